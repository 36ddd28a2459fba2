"""Create or update the demo staff user and its API token, for trying the API and the admin
locally (`make run` calls it on every start). Idempotent."""

import os
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from rest_framework.authtoken.models import Token


class Command(BaseCommand):
    help = "Create or update the staff superuser 'demo' and its API token; print both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--password", default=None, help="Default: $DEMO_PASSWORD, else 'demo'.")

    def handle(self, *args: Any, username: str, password: str | None, **options: Any) -> None:
        password = password or os.environ.get("DEMO_PASSWORD")
        if not password:
            if not settings.DEBUG:
                # A well-known password on a real deployment would be an open door.
                raise CommandError("DEBUG is off: pass --password or set DEMO_PASSWORD.")
            password = "demo"

        user_model = get_user_model()
        with transaction.atomic():
            lookup: dict[str, object] = {user_model.USERNAME_FIELD: username}
            user, created = user_model.objects.get_or_create(defaults={}, **lookup)
            user.is_active = True
            user.is_staff = True
            user.is_superuser = True
            # Re-hashing an unchanged password would log the user out of the admin.
            if not user.check_password(password):
                user.set_password(password)
            user.save()
            token, _ = Token.objects.get_or_create(user=user)

        self.stdout.write(f"{'created' if created else 'updated'} demo user")
        self.stdout.write(f"username: {username}")
        self.stdout.write(f"password: {password}")
        self.stdout.write(f"token: {token.key}")
