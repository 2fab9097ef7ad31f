from django.apps import AppConfig


class VoiceConfig(AppConfig):
    name = "tsunagu.voice"
    label = "voice"
    verbose_name = "お客様の声"
