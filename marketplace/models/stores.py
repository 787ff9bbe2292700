"""Stores: the entrepreneur's storefront, its verification state and shipping options."""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.users import User


def str_enum(cls: type[enum.Enum], length: int = 20) -> Enum:
    """Store an enum by its value as a plain string column (portable, readable in SQL)."""
    return Enum(
        cls, native_enum=False, length=length, validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )


class StoreStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"


class ImageStatus(enum.StrEnum):
    #: Checked and its original kept privately; the renditions job has not finished yet.
    PENDING = "pending"
    READY = "ready"
    #: The renditions job gave up; the owner is asked to upload it again.
    FAILED = "failed"


class StoredImage(db.Model):
    """An uploaded image after sanitising; its renditions live in storage under its hash."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the sanitised pixels, or of the uploaded file for renditions made by a job:
    #: identical uploads share one set of files.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]
    height: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Only ready images are shown; pending and failed ones have no renditions.
    status: Mapped[ImageStatus] = mapped_column(str_enum(ImageStatus, 10),
                                                default=ImageStatus.READY,
                                                server_default=ImageStatus.READY.value)
    #: Runs of the renditions job so far (a worker killed mid-way counts too).
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def ready(self) -> bool:
        return self.status == ImageStatus.READY


class Store(db.Model):
    __tablename__ = "stores"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    slug: Mapped[str] = mapped_column(String(90), unique=True)
    story: Mapped[str] = mapped_column(Text, default="")
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    regency: Mapped[str] = mapped_column(String(120))
    #: E.164 (+62...), used for the wa.me link.
    whatsapp: Mapped[str] = mapped_column(String(20))
    #: PKH/KUBE participant code, checked by ministry staff.
    participant_code: Mapped[str | None] = mapped_column(String(40))
    bank_name: Mapped[str] = mapped_column(String(60))
    bank_account_number: Mapped[str] = mapped_column(String(30))
    bank_account_holder: Mapped[str] = mapped_column(String(120))
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    banner_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    status: Mapped[StoreStatus] = mapped_column(
        str_enum(StoreStatus), default=StoreStatus.PENDING, index=True
    )
    #: Why staff rejected or suspended the store; shown to the owner.
    status_reason: Mapped[str | None] = mapped_column(Text)
    verified_at: Mapped[datetime | None]
    #: Platform fee in basis points (100 = 1%); programme participants pay none by default.
    fee_rate_bp: Mapped[int] = mapped_column(default=0)

    #: A new store delivers in its own regency (fee 0 until she sets one): a choice that needs
    #: nothing more from her, unlike pickup (an address) or couriers (their fees).
    self_delivery_enabled: Mapped[bool] = mapped_column(default=True)
    self_delivery_fee: Mapped[int] = mapped_column(default=0)
    pickup_enabled: Mapped[bool] = mapped_column(default=False)
    pickup_address: Mapped[str | None] = mapped_column(Text)
    courier_enabled: Mapped[bool] = mapped_column(default=False)

    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    logo: Mapped[StoredImage | None] = relationship(foreign_keys=[logo_id])
    banner: Mapped[StoredImage | None] = relationship(foreign_keys=[banner_id])
    courier_rates: Mapped[list["CourierRate"]] = relationship(
        back_populates="store", cascade="all, delete-orphan", order_by="CourierRate.province_code"
    )

    __table_args__ = (
        CheckConstraint("fee_rate_bp >= 0 AND fee_rate_bp <= 10000", name="fee_rate_range"),
        CheckConstraint("self_delivery_fee >= 0", name="self_delivery_fee_positive"),
    )

    @property
    def is_public(self) -> bool:
        return self.status == StoreStatus.VERIFIED

    @property
    def pickup_place(self) -> str | None:
        """The address a buyer collects from, or None when the store gave none (blank)."""
        return (self.pickup_address or "").strip() or None

    def __repr__(self) -> str:
        return f"<Store {self.slug} {self.status}>"


class CourierRate(db.Model):
    """A store's flat courier fee (ongkir) to one destination province."""

    __tablename__ = "courier_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    province_code: Mapped[str] = mapped_column(String(2))
    fee: Mapped[int]

    store: Mapped[Store] = relationship(back_populates="courier_rates")

    __table_args__ = (
        UniqueConstraint("store_id", "province_code"),
        CheckConstraint("fee >= 0", name="fee_positive"),
    )
