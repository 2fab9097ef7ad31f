from django import forms

from tsunagu.interactions.choices import Channel, Direction


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(label="チャネル", choices=Channel.choices, initial=Channel.PHONE)
    direction = forms.ChoiceField(label="方向", choices=Direction.choices, initial=Direction.INBOUND)
    subject = forms.CharField(
        label="件名",
        max_length=200,
        error_messages={"required": "件名を入力してください。", "max_length": "件名は200文字以内で入力してください。"},
    )
    notes = forms.CharField(label="内容", required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
