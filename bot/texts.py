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

# --- expense claims ----------------------------------------------------------------------
# Variables: claim (id, amount, what, day, activity, payment, receipt, reason), person (name).

CLAIM_FOR_COORDINATORS = {
    "en": "Expense claim {{ claim.id }} from {{ person.name }}: {{ claim.what }}, {{ claim.amount }}"
    "{% if claim.miles %} ({{ claim.miles }} miles at {{ claim.rate }} a mile){% endif %}, "
    "spent {{ claim.day }}, for \"{{ claim.activity }}\". Receipt: {{ claim.receipt }}. "
    "Payment: {{ claim.payment }}. Reply APPROVE {{ claim.id }} or REJECT {{ claim.id }}.",
    "cy": "Cais am gostau {{ claim.id }} gan {{ person.name }}: {{ claim.what }}, {{ claim.amount }}"
    "{% if claim.miles %} ({{ claim.miles }} milltir ar {{ claim.rate }} y filltir){% endif %}, "
    "wedi'i wario {{ claim.day }}, ar gyfer \"{{ claim.activity }}\". Derbynneb: {{ claim.receipt }}. "
    "Talu: {{ claim.payment }}. Atebwch APPROVE {{ claim.id }} neu REJECT {{ claim.id }}.",
}

CLAIM_APPROVE_BUTTON = {"en": "Approve", "cy": "Cymeradwyo"}
CLAIM_REJECT_BUTTON = {"en": "Turn down", "cy": "Gwrthod"}

CLAIM_APPROVED = {
    "en": "Good news{% if participant.name %}, {{ participant.name }}{% endif %}. Your claim for "
    "{{ claim.amount }} ({{ claim.what }}, {{ claim.day }}) has been approved."
    "{% if claim.payment_code == 'charity' %} We will give it to a charity for you.{% elif "
    "claim.payment_code != 'decline' %} We will pay you soon.{% endif %}",
    "cy": "Newyddion da{% if participant.name %}, {{ participant.name }}{% endif %}. Mae eich cais am "
    "{{ claim.amount }} ({{ claim.what }}, {{ claim.day }}) wedi cael ei gymeradwyo."
    "{% if claim.payment_code == 'charity' %} Byddwn ni'n ei roi i elusen ar eich rhan.{% elif "
    "claim.payment_code != 'decline' %} Byddwn ni'n eich talu chi cyn bo hir.{% endif %}",
}

CLAIM_REJECTED = {
    "en": "Sorry{% if participant.name %}, {{ participant.name }}{% endif %}. Your claim for "
    "{{ claim.amount }} ({{ claim.what }}, {{ claim.day }}) was not approved. The reason: "
    "{{ claim.reason }}{{ '' if claim.reason[-1:] in '.!?' else '.' }} "
    "If you have questions, please contact {{ settings.coordinator }}.",
    "cy": "Mae'n ddrwg gen i{% if participant.name %}, {{ participant.name }}{% endif %}. Chafodd "
    "eich cais am {{ claim.amount }} ({{ claim.what }}, {{ claim.day }}) mo'i gymeradwyo. Y rheswm: "
    "{{ claim.reason }}{{ '' if claim.reason[-1:] in '.!?' else '.' }} "
    "Os oes gennych chi gwestiynau, cysylltwch â {{ settings.coordinator }}.",
}

CLAIM_PAID = {
    "en": "Your claim for {{ claim.amount }} ({{ claim.what }}, {{ claim.day }}) has been paid. "
    "Thank you for taking part.",
    "cy": "Mae eich cais am {{ claim.amount }} ({{ claim.what }}, {{ claim.day }}) wedi cael ei "
    "dalu. Diolch am gymryd rhan.",
}

CLAIM_ASK_REASON = {
    "en": "Why are you turning down claim {{ claim.id }}? Your words will be sent to "
    "{{ person.name }}, so please be kind and clear. Reply BACK to leave it undecided.",
    "cy": "Pam rydych chi'n gwrthod cais {{ claim.id }}? Bydd eich geiriau'n cael eu hanfon at "
    "{{ person.name }}, felly byddwch yn garedig ac yn glir. Atebwch BACK i'w adael heb benderfynu.",
}

CLAIM_DECIDED = {
    "en": "Claim {{ claim.id }} is {{ claim.status }}. {{ person.name }} has been told.",
    "cy": "Mae cais {{ claim.id }} wedi'i {{ claim.status }}. Mae {{ person.name }} wedi cael gwybod.",
}

CLAIM_ALREADY = {
    "en": "Claim {{ claim.id }} was already {{ claim.status }}{% if by %} by {{ by }}{% endif %}.",
    "cy": "Roedd cais {{ claim.id }} eisoes wedi'i {{ claim.status }}{% if by %} gan {{ by }}{% endif %}.",
}

CLAIM_UNKNOWN = {
    "en": "Sorry, I cannot find claim {{ number }} for you. Please check the number.",
    "cy": "Mae'n ddrwg gen i, alla i ddim dod o hyd i gais {{ number }} i chi. Gwiriwch y rhif.",
}

CLAIM_LEFT = {
    "en": "OK. Claim {{ claim.id }} is still waiting for a decision.",
    "cy": "Iawn. Mae cais {{ claim.id }} yn dal i aros am benderfyniad.",
}

# --- meetings -----------------------------------------------------------------------------
# Variables: meeting (title, when: ISO text on the meeting's clock, where, online_link,
# access_info), and in the summary: counts (yes, maybe, no, silent), needs (lines of text).

MEETING_REMINDER = {
    "en": "Reminder: {{ meeting.title }} is on {{ meeting.when | when }}"
    "{% if meeting.where %}, at {{ meeting.where }}{% endif %}."
    "{% if meeting.online_link %} To join online: {{ meeting.online_link }}{% endif %}"
    "{% if meeting.access_info %} {{ meeting.access_info }}{% endif %}"
    " If you cannot come, please tell {{ settings.coordinator }}.",
    "cy": "Nodyn atgoffa: mae {{ meeting.title }} ar {{ meeting.when | when }}"
    "{% if meeting.where %}, yn {{ meeting.where }}{% endif %}."
    "{% if meeting.online_link %} I ymuno ar-lein: {{ meeting.online_link }}{% endif %}"
    "{% if meeting.access_info %} {{ meeting.access_info }}{% endif %}"
    " Os na allwch chi ddod, dwedwch wrth {{ settings.coordinator }}.",
}

MEETING_MOVED = {
    "en": "Please note: {{ meeting.title }} has moved. It is now on {{ meeting.when | when }}"
    "{% if meeting.where %}, at {{ meeting.where }}{% endif %}. We will ask again who can come.",
    "cy": "Sylwch: mae {{ meeting.title }} wedi symud. Mae nawr ar {{ meeting.when | when }}"
    "{% if meeting.where %}, yn {{ meeting.where }}{% endif %}. Byddwn ni'n gofyn eto pwy sy'n "
    "gallu dod.",
}

MEETING_CANCELLED = {
    "en": "Sorry, {{ meeting.title }} on {{ meeting.when | when }} is cancelled. "
    "{{ settings.coordinator | capitalize }} will let you know what happens next.",
    "cy": "Mae'n ddrwg gennym ni, mae {{ meeting.title }} ar {{ meeting.when | when }} wedi'i "
    "ganslo. Bydd {{ settings.coordinator }} yn rhoi gwybod i chi beth sy'n digwydd nesaf.",
}

MEETING_SUMMARY = {
    "en": "{{ meeting.title }}, {{ meeting.when | when }}: {{ counts.yes }} coming, "
    "{{ counts.maybe }} maybe, {{ counts.no }} cannot come, {{ counts.silent }} not answered."
    "{% if needs %} Needs: {{ needs | join('; ') }}.{% else %} No one has asked for anything "
    "to help them take part.{% endif %}",
    "cy": "{{ meeting.title }}, {{ meeting.when | when }}: {{ counts.yes }} yn dod, "
    "{{ counts.maybe }} efallai, {{ counts.no }} ddim yn gallu dod, {{ counts.silent }} heb ateb."
    "{% if needs %} Anghenion: {{ needs | join('; ') }}.{% else %} Does neb wedi gofyn am "
    "unrhyw beth i'w helpu i gymryd rhan.{% endif %}",
}

# --- polls and broadcasts -------------------------------------------------------------------

POLL_RESULTS = {
    "en": "Poll results: {{ question[lang] }}\n{% for line in lines[lang] %}{{ line }}\n{% endfor %}"
    "{{ voters }} of {{ members }} people answered.",
    "cy": "Canlyniadau'r pôl: {{ question[lang] }}\n{% for line in lines[lang] %}{{ line }}\n"
    "{% endfor %}Atebodd {{ voters }} o {{ members }} o bobl.",
}

POLL_NONE = {
    "en": "There is no poll open for you to answer right now.",
    "cy": "Does dim pôl ar agor i chi ei ateb ar hyn o bryd.",
}

BROADCAST_SUMMARY = {
    "en": "Your message to {{ group }}: {{ counts.sent }} sent, {{ counts.delivered }} delivered, "
    "{{ counts.failed }} failed, {{ counts.opted_out }} not sent (opted out or no way to reach "
    "them){% if counts.waiting %}, {{ counts.waiting }} still waiting (some wait for their "
    "contact hours){% endif %}.",
    "cy": "Eich neges i {{ group }}: {{ counts.sent }} wedi'u hanfon, {{ counts.delivered }} wedi "
    "cyrraedd, {{ counts.failed }} wedi methu, {{ counts.opted_out }} heb eu hanfon (wedi dewis "
    "peidio neu dim ffordd o'u cyrraedd){% if counts.waiting %}, {{ counts.waiting }} yn dal i "
    "aros (mae rhai'n aros am eu horiau cyswllt){% endif %}.",
}
