from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=200)
    summary = models.TextField()
    starts_at = models.DateTimeField()


class Slot(models.Model):
    """One event with a capacity: the reference registration locks it while counting."""

    capacity = models.PositiveIntegerField()


class Booking(models.Model):
    slot = models.ForeignKey(Slot, on_delete=models.CASCADE)
    person = models.CharField(max_length=100, unique=True)
    confirmed = models.BooleanField()
