"""Email out (domain.ports.Mailer): SMTP with aiosmtplib (`mail.smtp`), and a mailer that
prints for the demo (`mail.terminal`)."""
