"""What the bot says outside flows, in English and Welsh. Templates, like flow texts.

Variables: ``settings.group_name``, ``settings.coordinator``.
"""

from __future__ import annotations

NOT_UNDERSTOOD = {
    "en": "Sorry, I did not understand that.",
    "cy": "Mae'n ddrwg gen i, wnes i ddim deall hynny.",
}

NO_ANSWER = {
    "en": "That's OK. Let's move on.",
    "cy": "Mae hynny'n iawn. Awn ymlaen.",
}

STOPPED = {
    "en": "You will not get any more messages from {{ settings.group_name }}. "
    "Text START if you want to hear from us again.",
    "cy": "Fyddwch chi ddim yn cael mwy o negeseuon gan {{ settings.group_name }}. "
    "Anfonwch START os ydych chi eisiau clywed gennym eto.",
}

RESTARTED = {
    "en": "Welcome back. You will get messages from {{ settings.group_name }} again. "
    "Text STOP at any time to stop them.",
    "cy": "Croeso nôl. Byddwch chi'n cael negeseuon gan {{ settings.group_name }} eto. "
    "Anfonwch STOP unrhyw bryd i'w stopio.",
}

HELP = {
    "en": "This is {{ settings.group_name }}. To talk to a person, contact "
    "{{ settings.coordinator }}. Text CHECK IN to tell us how you are, EXPENSE to claim "
    "money back, or STOP to stop messages.",
    "cy": "Dyma {{ settings.group_name }}. I siarad gyda pherson, cysylltwch â "
    "{{ settings.coordinator }}. Anfonwch SUT YDYCH i ddweud sut rydych chi, TREULIAU i "
    "hawlio arian yn ôl, neu STOP i stopio negeseuon.",
}

SYSTEM_ERROR = {
    "en": "Sorry, something went wrong on our side. Please try again later, "
    "or contact {{ settings.coordinator }}.",
    "cy": "Mae'n ddrwg gen i, aeth rhywbeth o'i le ar ein hochr ni. Rhowch gynnig arall "
    "arni nes ymlaen, neu cysylltwch â {{ settings.coordinator }}.",
}

LINKED = {
    "en": "Hello{% if participant.name %} {{ participant.name }}{% endif %}. This chat is now "
    "linked to {{ settings.group_name }}. You will get our messages here. Text HELP at any time.",
    "cy": "Helo{% if participant.name %} {{ participant.name }}{% endif %}. Mae'r sgwrs yma "
    "wedi'i chysylltu â {{ settings.group_name }}. Byddwch chi'n cael ein negeseuon yma. "
    "Anfonwch HELP unrhyw bryd.",
}

BAD_INVITE = {
    "en": "Sorry, that invite code does not work. It may have been used already, or be too "
    "old. Please ask {{ settings.coordinator }} for a new one.",
    "cy": "Mae'n ddrwg gen i, dydy'r cod gwahoddiad yna ddim yn gweithio. Efallai ei fod "
    "wedi'i ddefnyddio'n barod, neu'n rhy hen. Gofynnwch i {{ settings.coordinator }} am un newydd.",
}

# --- safeguarding alerts (to safeguarding leads and coordinators) -------------------------
# Variables: alert (id, text, when), person (name, reach), repeat (how many times before).

ALERT = {
    "en": "{% if repeat %}STILL NOT ACKNOWLEDGED, sent {{ repeat + 1 }} times. {% endif %}"
    "Safeguarding alert {{ alert.id }}, {{ alert.when }}. {{ alert.text }} "
    "To reach {{ person.name }}: {{ person.reach }}. "
    "When someone is looking after this, reply ACK {{ alert.id }}.",
    "cy": "{% if repeat %}HEB EI GYDNABOD O HYD, wedi'i anfon {{ repeat + 1 }} gwaith. {% endif %}"
    "Rhybudd diogelu {{ alert.id }}, {{ alert.when }}. {{ alert.text }} "
    "I gysylltu â {{ person.name }}: {{ person.reach }}. "
    "Pan fydd rhywun yn gofalu am hyn, atebwch ACK {{ alert.id }}.",
}

ALERT_BUTTON = {"en": "I am looking after this", "cy": "Rydw i'n gofalu am hyn"}

ALERT_ACKNOWLEDGED = {
    "en": "Thank you. Alert {{ alert.id }} about {{ person.name }} is marked as looked after by you.",
    "cy": "Diolch. Mae rhybudd {{ alert.id }} am {{ person.name }} wedi'i nodi fel un rydych chi'n "
    "gofalu amdano.",
}

ALERT_TAKEN = {
    "en": "Alert {{ alert.id }} about {{ person.name }} is being looked after by {{ by }}.",
    "cy": "Mae {{ by }} yn gofalu am rybudd {{ alert.id }} am {{ person.name }}.",
}

ALERT_UNKNOWN = {
    "en": "Sorry, I cannot find alert {{ number }} for you. Please check the number.",
    "cy": "Mae'n ddrwg gen i, alla i ddim dod o hyd i rybudd {{ number }} i chi. Gwiriwch y rhif.",
}
