"""Email syntax by email-validator: RFC 5321/5322 rules (no `a..b@`, `.x@`, `x@-bad-.com` or a
trailing dot), IDNA 2008 domains; deliverability (DNS) is not checked."""

from __future__ import annotations

from scripthub.domain.errors import ValidationError


class EmailValidatorSyntax:
    """`EmailSyntax` by email-validator."""

    def canonical(self, address: str) -> str:
        # Loaded by the first address checked, not by every worker (pyproject TID253).
        from email_validator import EmailNotValidError, validate_email

        try:
            checked = validate_email(address, check_deliverability=False)
        except EmailNotValidError as invalid:
            raise ValidationError.single(
                "email", f"is not a valid email address: {invalid}"
            ) from invalid
        return str(checked.normalized)
