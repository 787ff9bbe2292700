"""The programme's people: facilitators, their caseloads and consent, and account set-up codes."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.users import User


class FacilitatorProfile(db.Model):
    """A facilitator's (pendamping's) region and the code an entrepreneur uses to invite them."""

    __tablename__ = "facilitator_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    #: None: the whole province.
    regency: Mapped[str | None] = mapped_column(String(120))
    #: Short code the facilitator gives out; an entrepreneur enters it to invite them.
    invite_code: Mapped[str] = mapped_column(String(12), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def covers(self, province_code: str | None, regency: str | None) -> bool:
        """Whether a place lies in this facilitator's region."""
        if province_code != self.province_code:
            return False
        return self.regency is None or (regency or "").strip().lower() == self.regency.lower()


class Caseload(db.Model):
    """An entrepreneur in a facilitator's caseload, with her consent to act for her store.

    One row per entrepreneur: she has one facilitator at a time. Assignments and consent
    changes are also written to the audit log, which keeps their history.
    """

    __tablename__ = "caseloads"

    id: Mapped[int] = mapped_column(primary_key=True)
    entrepreneur_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    facilitator_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: "staff" (assigned), "invite" (she entered the facilitator's code) or "facilitator"
    #: (the facilitator registered her).
    source: Mapped[str] = mapped_column(String(12))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set while she allows this facilitator to act for her store; None otherwise.
    consent_at: Mapped[datetime | None]
    consent_withdrawn_at: Mapped[datetime | None]

    entrepreneur: Mapped[User] = relationship(foreign_keys=[entrepreneur_id])
    facilitator: Mapped[User] = relationship(foreign_keys=[facilitator_id])

    __table_args__ = (CheckConstraint("source IN ('staff', 'invite', 'facilitator')",
                                      name="source_known"),)

    @property
    def has_consent(self) -> bool:
        return self.consent_at is not None


def consenting_caseload(facilitator_id: int, owner_id: int) -> Caseload | None:
    """The caseload row if this facilitator may act for this owner now (consent given)."""
    return db.session.scalar(select(Caseload).where(
        Caseload.facilitator_id == facilitator_id, Caseload.entrepreneur_id == owner_id,
        Caseload.consent_at.is_not(None)))


class SetupCode(db.Model):
    """A one-time code with which a phone-only entrepreneur sets her own password."""

    __tablename__ = "setup_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: A password-style hash: the plain code is shown once, to the facilitator who hands it over.
    code_hash: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    #: Wrong guesses so far; the code stops working after a few.
    attempts: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


#: session.info key: {(facilitator id, store id): (facilitator name, store name)} seen acting
#: in this transaction, so the audit log can name both people (see services.facilitators).
ASSISTING_KEY = "assisting"


def acting_for(facilitator: User, store) -> bool:
    """Whether the facilitator may act for this store now; notes it for the audit log."""
    if consenting_caseload(facilitator.id, store.owner_id) is None:
        return False
    db.session.info.setdefault(ASSISTING_KEY, {})[(facilitator.id, store.id)] = (
        facilitator.name, store.name)
    return True


class GroupMember(db.Model):
    """A household's membership of a group business (KUBE) store, with its share of income.

    A store with member rows is a group store. Leaving sets `left_at`; the row stays as history.
    """

    __tablename__ = "group_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: "owner", "chair", "treasurer", "secretary" or "member".
    role: Mapped[str] = mapped_column(String(12))
    #: Share of the store's income in basis points (10000 = all of it).
    share_bp: Mapped[int]
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    added_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        CheckConstraint("share_bp >= 0 AND share_bp <= 10000", name="share_range"),
        CheckConstraint("role IN ('owner', 'chair', 'treasurer', 'secretary', 'member')",
                        name="role_known"),
    )


class TrainingEvent(db.Model):
    """An entrepreneurship training or technical guidance session (pelatihan, bimtek)."""

    __tablename__ = "training_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(200))
    #: "kemensos" (Social Affairs) or "kemenperin" (Industry).
    ministry: Mapped[str] = mapped_column(String(12))
    held_on: Mapped[date]
    online: Mapped[bool] = mapped_column(default=False)
    #: Where it was held; None when online.
    place: Mapped[str | None] = mapped_column(String(200))
    trainer: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attendance: Mapped[list["TrainingAttendance"]] = relationship(
        back_populates="event", cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("ministry IN ('kemensos', 'kemenperin')",
                                      name="ministry_known"),)


class TrainingAttendance(db.Model):
    """One entrepreneur attended one training event."""

    __tablename__ = "training_attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("training_events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    event: Mapped[TrainingEvent] = relationship(back_populates="attendance")
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (UniqueConstraint("event_id", "user_id"),)


class SupplierProfile(db.Model):
    """A raw-material supplier's business; staff verify it before its offers are shown."""

    __tablename__ = "supplier_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    business_name: Mapped[str] = mapped_column(String(120))
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    #: E.164, for the wa.me contact link.
    whatsapp: Mapped[str] = mapped_column(String(20))
    #: "pending", "verified" or "rejected".
    status: Mapped[str] = mapped_column(String(10), default="pending", index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (CheckConstraint("status IN ('pending', 'verified', 'rejected')",
                                      name="status_known"),)


class MaterialNeed(db.Model):
    """Raw material an entrepreneur needs: what, how much, where, by when."""

    __tablename__ = "material_needs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: Lower-cased and trimmed, so demand adds up across entrepreneurs.
    material: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int]
    unit: Mapped[str] = mapped_column(String(10))
    province_code: Mapped[str] = mapped_column(String(2))
    needed_by: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)


class MaterialOffer(db.Model):
    """A verified supplier's offer of a raw material to a province, priced per unit."""

    __tablename__ = "material_offers"

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier_profiles.id"), index=True)
    material: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(10))
    #: Rupiah per unit.
    unit_price: Mapped[int]
    min_quantity: Mapped[int] = mapped_column(default=1)
    province_code: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    supplier: Mapped[SupplierProfile] = relationship()

    __table_args__ = (CheckConstraint("unit_price > 0", name="unit_price_positive"),
                      CheckConstraint("min_quantity > 0", name="min_quantity_positive"),
                      Index("ix_material_offers_place", "province_code", "material"))


class GroupPurchase(db.Model):
    """A group purchase staff arrange for one material in one province; entrepreneurs join."""

    __tablename__ = "group_purchases"

    id: Mapped[int] = mapped_column(primary_key=True)
    material: Mapped[str] = mapped_column(String(80))
    unit: Mapped[str] = mapped_column(String(10))
    province_code: Mapped[str] = mapped_column(String(2), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    participants: Mapped[list["GroupPurchaseMember"]] = relationship(
        back_populates="purchase", cascade="all, delete-orphan")


class GroupPurchaseMember(db.Model):
    """An entrepreneur joined a group purchase for a quantity."""

    __tablename__ = "group_purchase_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_id: Mapped[int] = mapped_column(ForeignKey("group_purchases.id",
                                                        ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    quantity: Mapped[int]
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    purchase: Mapped[GroupPurchase] = relationship(back_populates="participants")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("purchase_id", "user_id"),
                      CheckConstraint("quantity > 0", name="quantity_positive"))
