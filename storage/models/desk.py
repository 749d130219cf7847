"""The coordinators' web desk: one-time sign-in codes and links, kept only as hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, created


class DeskCode(Base):
    """A code sent to someone (or a link printed for them) that signs them in to the desk once."""

    __tablename__ = "desk_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64), unique=True)  # a keyed hash, never the code
    created_at: Mapped[datetime] = created()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<DeskCode {self.id} for {self.participant_id}>"
