from django.urls import path

from bench.reference import views

urlpatterns = [
    path("detail/<int:pk>/", views.detail),
    path("list/", views.item_list),
    path("cached/", views.cached),
    path("book/", views.book),
    path("healthz", views.healthz),
]
