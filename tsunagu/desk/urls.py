from django.urls import path

from . import contacts, views

app_name = "desk"

urlpatterns = [
    path("", views.home, name="home"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/interactions/", views.interaction_create, name="interaction_create"),
    # Contact edit screens (desk/contacts.py): kind is phones | emails | relatives.
    path("customers/<int:pk>/contacts/", contacts.contacts, name="contacts"),
    path("customers/<int:pk>/contacts/<slug:kind>/new/", contacts.contact_edit, name="contact_new"),
    path("customers/<int:pk>/contacts/<slug:kind>/<int:item>/", contacts.contact_edit, name="contact_edit"),
    path("customers/<int:pk>/contacts/<slug:kind>/<int:item>/delete/", contacts.contact_delete, name="contact_delete"),
]
