"""Buyer reviews of products they received."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.extensions import db
from marketplace.models.catalog import Product
from marketplace.models.orders import OrderLine
from marketplace.models.stores import StoredImage
from marketplace.models.users import User


class Review(db.Model):
    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    #: One review per purchased line.
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"), unique=True)
    rating: Mapped[int]
    text: Mapped[str] = mapped_column(Text, default="")
    image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id"))
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None]
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    buyer: Mapped[User] = relationship()
    product: Mapped[Product] = relationship()
    order_line: Mapped[OrderLine] = relationship()
    image: Mapped[StoredImage | None] = relationship()

    __table_args__ = (
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
        Index("ix_reviews_product_created", "product_id", "created_at"),
    )
