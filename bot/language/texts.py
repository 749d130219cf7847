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
    "money back, or STOP to stop messages. If you need to talk to someone now, call "
    "Samaritans free on 116 123, day or night. For mental health help, call NHS 111 and choose "
    "option 2. In an emergency, call 999.",
    "cy": "Dyma {{ settings.group_name }}. I siarad gyda pherson, cysylltwch gyda "
    "{{ settings.coordinator }}. Anfonwch SUT YDYCH i ddweud sut rydych chi, TREULIAU i "
    "hawlio costau, neu STOP i stopio negeseuon. Os oes angen i chi siarad gyda rhywun nawr, "
    "ffoniwch y Samariaid am ddim ar 116 123, ddydd a nos. I siarad yn Gymraeg, ffoniwch "
    "0808 164 0123 (bob nos, 7 tan 11). Am help gydag iechyd meddwl, ffoniwch GIG 111 a "
    "dewis opsiwn 2. Mewn argyfwng, ffoniwch 999.",
}

SYSTEM_ERROR = {
    "en": "Sorry, something went wrong on our side. Please try again later, "
    "or contact {{ settings.coordinator }}.",
    "cy": "Mae'n ddrwg gen i, aeth rhywbeth o'i le ar ein hochr ni. Rhowch gynnig arall "
    "arni nes ymlaen, neu gysylltwch gyda {{ settings.coordinator }}.",
}

LINKED = {
    "en": "Hello{% if participant.name %} {{ participant.name }}{% endif %}. This chat is now "
    "linked to {{ settings.group_name }}. You will get our messages here. Text HELP at any time.",
    "cy": "Helo{% if participant.name %} {{ participant.name }}{% endif %}. Mae'r sgwrs yma "
    "wedi'i chysylltu gyda {{ settings.group_name }}. Byddwch chi'n cael ein negeseuon yma. "
    "Anfonwch HELP unrhyw bryd.",
}

PHOTO_UNREAD = {  # a photo came with a text but could not be fetched
    "en": "Sorry, I could not open the photo you sent.",
    "cy": "Mae'n ddrwg gen i, doeddwn i ddim yn gallu agor y llun wnaethoch chi ei anfon.",
}

PRIVATE_ONLY = {  # a command typed in a Telegram group chat
    "en": "Please message me directly, not in a group.",
    "cy": "Anfonwch neges ataf i'n uniongyrchol, nid mewn grŵp.",
}

BAD_INVITE = {
    "en": "Sorry, that invite code does not work. It may have been used already, or be too "
    "old. Please ask {{ settings.coordinator }} for a new one.",
    "cy": "Mae'n ddrwg gen i, dydy'r cod gwahoddiad yna ddim yn gweithio. Efallai ei fod "
    "wedi'i ddefnyddio'n barod, neu'n rhy hen. Gofynnwch i {{ settings.coordinator }} am un newydd.",
}

# --- pictures on WhatsApp ------------------------------------------------------------------

PICTURE_NOT_SENT = {
    "en": "(This message comes with a picture, but the picture could not be sent on WhatsApp.)",
    "cy": "(Mae llun gyda'r neges hon, ond nid oedd modd anfon y llun ar WhatsApp.)",
}

# --- answer buttons (Telegram and WhatsApp) -------------------------------------------------------------

# A conversation set aside for a short question comes back (``title``: the flow's, as a name).
BACK_TO = {
    "en": "Now, back to your {{ title }}.",
    "cy": "Nawr, i barhau gyda'r sgwrs: {{ title }}.",
}

# A typed reply that answers both the question with buttons beside a conversation and the
# conversation's own question: which one it is for is asked, never guessed.
WHICH_QUESTION = {
    "en": "Thank you. Is that your answer to the question with buttons? If it is, please tap "
          "a button under it. If it is your answer to my last question, please send it again.",
    "cy": "Diolch. Ai dyna eich ateb i'r cwestiwn gyda botymau? Os felly, pwyswch fotwm oddi "
          "tano. Os mai dyna eich ateb i fy nghwestiwn olaf, anfonwch e eto.",
}

TAP_CLOSED = {
    "en": "That question has closed. Please answer the latest one.",
    "cy": "Mae'r cwestiwn yna wedi cau. Atebwch yr un diweddaraf, os gwelwch yn dda.",
}

CHOICES_DONE = {"en": "Done: send my answers", "cy": "Wedi gorffen: anfon fy atebion"}
CHOICES_NONE_YET = {
    "en": "Tap the answers you choose first, then Done.",
    "cy": "Tapiwch yr atebion rydych chi'n eu dewis yn gyntaf, wedyn Wedi gorffen.",
}

TAP_ANSWERED = {
    "en": "You have answered this already.",
    "cy": "Rydych chi wedi ateb hwn yn barod.",
}

# --- safeguarding alerts (to safeguarding leads and coordinators) -------------------------
# Variables: alert (id, text, when), person (name, reach), repeat (how many times before).

# To every admin, when a flow's notice reached no one able to act (copro told
# the person so, and gave them the crisis numbers).
NOTICE_UNHEARD = {
    "en": "copro could not pass on a {{ notice.who }} notice about participant "
    "{{ notice.participant }} ({{ notice.flow }}, step {{ notice.step }}): no active "
    "{{ notice.roles }} with a working address in their group. The notice: {{ notice.text }} "
    "Please contact them, and give their group someone to tell.",
    "cy": "Doedd copro ddim yn gallu anfon hysbysiad {{ notice.who }} am gyfranogwr "
    "{{ notice.participant }} ({{ notice.flow }}, cam {{ notice.step }}): does dim "
    "{{ notice.roles }} gweithredol gyda chyfeiriad sy'n gweithio yn eu grŵp. Yr hysbysiad: "
    "{{ notice.text }} Cysylltwch gyda nhw, a rhowch rywun i'w grŵp i'w hysbysu.",
}

ALERT = {
    "en": "{% if repeat %}STILL NOT ACKNOWLEDGED, sent {{ repeat + 1 }} times. {% endif %}"
    "Safeguarding alert {{ alert.id }}, {{ alert.when }}. {{ alert.text }} "
    "To reach {{ person.name }}: {{ person.reach }}. "
    "{% if person.id %}To write to them through copro: /message {{ person.id }} and your words. "
    "{% endif %}When someone is looking after this, reply ACK {{ alert.id }}.",
    "cy": "{% if repeat %}HEB EI GYDNABOD O HYD, wedi'i anfon {{ repeat + 1 }} gwaith. {% endif %}"
    "Rhybudd diogelu {{ alert.id }}, {{ alert.when }}. {{ alert.text }} "
    "I gysylltu gyda {{ person.name }}: {{ person.reach }}. "
    "{% if person.id %}I ysgrifennu atyn nhw drwy copro: /message {{ person.id }} a'ch geiriau. "
    "{% endif %}"
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
    "ar gyfer \"{{ claim.activity }}\". Dyddiad: {{ claim.day }}. Derbynneb: {{ claim.receipt }}. "
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
    "{{ claim.amount }} ({{ claim.what }}, {{ claim.day }}) wedi'i gymeradwyo."
    "{% if claim.payment_code == 'charity' %} Byddwn ni'n ei roi i elusen ar eich rhan.{% elif "
    "claim.payment_code != 'decline' %} Byddwn ni'n eich talu cyn bo hir.{% endif %}",
}

CLAIM_REJECTED = {
    "en": "Sorry{% if participant.name %}, {{ participant.name }}{% endif %}. Your claim for "
    "{{ claim.amount }} ({{ claim.what }}, {{ claim.day }}) was not approved. The reason: "
    "{{ claim.reason }}{{ '' if claim.reason[-1:] in '.!?' else '.' }} "
    "If you have questions, please contact {{ settings.coordinator }}.",
    "cy": "Mae'n ddrwg gen i{% if participant.name %}, {{ participant.name }}{% endif %}. Chafodd "
    "eich cais am {{ claim.amount }} ({{ claim.what }}, {{ claim.day }}) mo'i gymeradwyo. Y rheswm: "
    "{{ claim.reason }}{{ '' if claim.reason[-1:] in '.!?' else '.' }} "
    "Os oes gennych chi gwestiynau, cysylltwch gyda {{ settings.coordinator }}.",
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
    "cy": "Nodyn atgoffa: mae {{ meeting.title }} ar {{ meeting.when | when('ar') }}"
    "{% if meeting.where %}, yn {{ meeting.where }}{% endif %}."
    "{% if meeting.online_link %} I ymuno ar-lein: {{ meeting.online_link }}{% endif %}"
    "{% if meeting.access_info %} {{ meeting.access_info }}{% endif %}"
    " Os na allwch chi ddod, dwedwch wrth {{ settings.coordinator }}.",
}

MEETING_MOVED = {
    "en": "Please note: {{ meeting.title }} has moved. It is now on {{ meeting.when | when }}"
    "{% if meeting.where %}, at {{ meeting.where }}{% endif %}. We will ask again who can come.",
    "cy": "Sylwch: mae {{ meeting.title }} wedi symud. Mae nawr ar {{ meeting.when | when('ar') }}"
    "{% if meeting.where %}, yn {{ meeting.where }}{% endif %}. Byddwn ni'n gofyn eto pwy sy'n "
    "gallu dod.",
}

MEETING_CANCELLED = {
    "en": "Sorry, {{ meeting.title }} on {{ meeting.when | when }} is cancelled. "
    "{{ settings.coordinator | capitalize }} will let you know what happens next.",
    "cy": "Mae'n ddrwg gennym ni, mae {{ meeting.title }} ar {{ meeting.when | when('ar') }} wedi'i "
    "ganslo. Bydd {{ settings.coordinator }} yn rhoi gwybod i chi beth sy'n digwydd nesaf.",
}

MEETING_SUMMARY = {
    "en": "{{ meeting.title }}, {{ meeting.when | when }}: {{ counts.yes }} coming, "
    "{{ counts.maybe }} maybe, {{ counts.no }} cannot come, {{ counts.silent }} not answered."
    "{% if moved %} It moved, so answers given for the old time are not counted"
    "{% if counts.stale %} ({{ counts.stale }} asked again){% endif %}.{% endif %}"
    "{% if needs %} Needs: {{ needs | join('; ') }}.{% else %} No one has asked for anything "
    "to help them take part.{% endif %}",
    "cy": "{{ meeting.title }}, {{ meeting.when | when }}: {{ counts.yes }} yn dod, "
    "{{ counts.maybe }} efallai, {{ counts.no }} ddim yn gallu dod, {{ counts.silent }} heb ateb."
    "{% if moved %} Cafodd ei symud, felly dydy atebion ar gyfer yr hen amser ddim yn cyfrif"
    "{% if counts.stale %} (gofynnwyd eto i {{ counts.stale }}){% endif %}.{% endif %}"
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

POLL_CLOSED = {
    "en": "Thank you. That poll has closed, so your answer was not counted: "
    "{{ question[lang] }}",
    "cy": "Diolch. Mae'r pôl yna wedi cau, felly chafodd eich ateb mo'i gyfrif: "
    "{{ question[lang] }}",
}

POLL_WHICH = {
    "en": "You have {{ polls | length }} polls to answer:\n{% for p in polls %}{{ p.number }}. "
    "{{ p.question }}\n{% endfor %}Reply VOTE and the number, like VOTE {{ polls[0].number }}.",
    "cy": "Mae gennych chi {{ polls | length }} pôl i'w hateb:\n{% for p in polls %}{{ p.number }}. "
    "{{ p.question }}\n{% endfor %}Atebwch PLEIDLAIS a'r rhif, fel PLEIDLAIS {{ polls[0].number }}.",
}

POLL_NONE = {
    "en": "There is no poll open for you to answer right now.",
    "cy": "Does dim pôl ar agor i chi ei ateb ar hyn o bryd.",
}

BROADCAST_SUMMARY = {
    "en": "Your message to {{ group }}: {{ counts.sent }} sent, {{ counts.delivered }} delivered"
    "{% if counts.read %} ({{ counts.read }} read){% endif %}, {{ counts.failed }} failed, "
    "{{ counts.opted_out }} not sent (opted out or no way to reach them)"
    "{% if counts.waiting %}, {{ counts.waiting }} still waiting for their contact hours"
    "{% if until %} (the last until {{ until }}){% endif %}{% endif %}.",
    "cy": "Eich neges i {{ group }}: {{ counts.sent }} wedi'u hanfon, {{ counts.delivered }} wedi "
    "cyrraedd{% if counts.read %} ({{ counts.read }} wedi'u darllen){% endif %}, "
    "{{ counts.failed }} wedi methu, {{ counts.opted_out }} heb eu hanfon (wedi dewis peidio "
    "neu dim ffordd o'u cyrraedd){% if counts.waiting %}, {{ counts.waiting }} yn dal i "
    "aros am eu horiau cyswllt{% if until %} (yr olaf tan {{ until }}){% endif %}{% endif %}.",
}

# --- coordinators' commands (/broadcast, /poll, /meeting, /results, /claims) -----------------

# The menu of commands Telegram shows in a coordinator's chat: each command and what it does.
DESK_COMMANDS = {
    "broadcast": {"en": "Send a message to a group", "cy": "Anfon neges at grŵp"},
    "poll": {"en": "Ask a group a question", "cy": "Gofyn cwestiwn i grŵp"},
    "results": {"en": "See a poll's answers", "cy": "Gweld atebion pôl"},
    "meeting": {"en": "Add a meeting", "cy": "Ychwanegu cyfarfod"},
    "claims": {"en": "Expense claims waiting for you", "cy": "Ceisiadau am gostau sy'n aros amdanoch chi"},
    "message": {"en": "Write to one participant: /message 12 and your words",
                "cy": "Ysgrifennu at un cyfranogwr: /message 12 a'ch geiriau"},
    "help": {"en": "What you can do", "cy": "Beth gallwch chi ei wneud"},
}

DESK_HELP = {
    "en": "As a coordinator you can also use: /broadcast to send a message to a group, /poll to "
    "ask a group a question, /results to see a poll's answers, /meeting to add a meeting, and "
    "/claims to see expense claims waiting for you, and /message with a person's number and your "
    "words to write to them. Reply BACK at any time to stop a command.",
    "cy": "Fel cydlynydd gallwch chi hefyd ddefnyddio: /broadcast i anfon neges at grŵp, /poll i "
    "ofyn cwestiwn i grŵp, /results i weld atebion pôl, /meeting i ychwanegu cyfarfod, a /claims "
    "i weld ceisiadau am gostau sy'n aros amdanoch chi, a /message gyda rhif person a'ch geiriau i "
    "ysgrifennu atyn nhw. Atebwch BACK unrhyw bryd i stopio.",
}
DESK_NOT_ALLOWED = {
    "en": "Sorry, only a group's coordinators can do that. Text HELP to see what you can do.",
    "cy": "Mae'n ddrwg gen i, dim ond cydlynwyr grŵp sy'n gallu gwneud hynny. Anfonwch HELP i weld "
    "beth gallwch chi ei wneud.",
}
DESK_LEFT = {"en": "OK, stopped. Nothing was sent.", "cy": "Iawn, wedi stopio. Chafodd dim byd ei anfon."}
DESK_AGAIN = {
    "en": "Sorry, {{ why }}. Please try again, or reply BACK to stop.",
    "cy": "Mae'n ddrwg gen i, {{ why }}. Rhowch gynnig arall arni, neu atebwch BACK i stopio.",
}
DESK_WHICH_GROUP = {"en": "Which group? Reply with a number.", "cy": "Pa grŵp? Atebwch gyda rhif."}
DESK_BROADCAST_TEXT = {
    "en": "What should the message to {{ group }} say? Write it in English.",
    "cy": "Beth ddylai'r neges i {{ group }} ei ddweud? Ysgrifennwch hi yn Saesneg.",
}
DESK_BROADCAST_WELSH = {
    "en": "Now the same message in Welsh, for people who chose Welsh. Or reply SKIP.",
    "cy": "Nawr yr un neges yn Gymraeg, i bobl a ddewisodd Gymraeg. Neu atebwch SKIP.",
}
DESK_BROADCAST_PREVIEW = {
    "en": "This will go to {{ people }} people in {{ group }}:\n\n{{ text }}\n\nSend it? Reply YES, "
    "or BACK to stop.",
    "cy": "Bydd hyn yn mynd at {{ people }} o bobl yn {{ group }}:\n\n{{ text }}\n\nEi anfon? Atebwch "
    "IE, neu BACK i stopio.",
}
DESK_SENT = {
    "en": "{% if reach.now %}Sending now to {{ reach.now }} people.{% else %}No one can get it "
    "yet.{% endif %}{% if reach.later %} {{ reach.later }} wait for their contact hours (the "
    "first from {{ opens }}).{% endif %}{% if reach.unreachable %} {{ reach.unreachable }} cannot "
    "be reached.{% endif %} You will get a delivery summary once it has gone.",
    "cy": "{% if reach.now %}Yn anfon nawr at {{ reach.now }} o bobl.{% else %}All neb ei chael "
    "eto.{% endif %}{% if reach.later %} Mae {{ reach.later }} yn aros am eu horiau cyswllt (y "
    "cyntaf o {{ opens }}).{% endif %}{% if reach.unreachable %} Does dim modd cyrraedd "
    "{{ reach.unreachable }}.{% endif %} Byddwch chi'n cael crynodeb unwaith y bydd wedi mynd.",
}
DIRECT_MESSAGE = {  # a coordinator's or lead's own words to one person
    "en": "A message from {{ by or 'your group coordinator' }}: {{ words }}",
    "cy": "Neges gan {{ by or 'gydlynydd eich grŵp' }}: {{ words }}",
}
DIRECT_QUEUED = {
    "en": "Your message to {{ name }} {% if opens %}waits for their contact hours: it goes by "
    "{{ channel }} on {{ opens }}.{% else %}is going now by {{ channel }}.{% endif %} Their reply "
    "comes to copro, not to you.",
    "cy": "Mae eich neges i {{ name }} {% if opens %}yn aros am eu horiau cyswllt: bydd yn mynd "
    "drwy {{ channel }} ar {{ opens }}.{% else %}yn mynd nawr drwy {{ channel }}.{% endif %} Mae "
    "eu hateb yn dod i copro, nid atoch chi.",
}
DIRECT_REFUSED = {
    "en": "Not sent: {{ why }}.",
    "cy": "Heb ei hanfon: {{ why }}.",
}
DESK_POLL_QUESTION = {
    "en": "What is the question for {{ group }}? Write it in English.",
    "cy": "Beth yw'r cwestiwn i {{ group }}? Ysgrifennwch e yn Saesneg.",
}
DESK_POLL_OPTIONS = {
    "en": "What are the answers to choose from? Send 2 to 10, one on each line.",
    "cy": "Beth yw'r atebion i ddewis ohonyn nhw? Anfonwch 2 i 10, un ar bob llinell.",
}
DESK_POLL_WELSH = {
    "en": "Now the same poll in Welsh, for people who chose Welsh: the question on the first "
    "line, then the answers, one on each line, in the same order. Or reply SKIP.",
    "cy": "Nawr yr un pôl yn Gymraeg, i bobl a ddewisodd Gymraeg: y cwestiwn ar y llinell "
    "gyntaf, yna'r atebion, un ar bob llinell, yn yr un drefn. Neu atebwch SKIP.",
}
DESK_POLL_MULTIPLE = {
    "en": "Can people choose more than one answer? Reply YES or NO.",
    "cy": "Gall pobl ddewis mwy nag un ateb? Atebwch IE neu NA.",
}
DESK_POLL_CLOSES = {
    "en": "When should the poll close? For example {{ example }}.",
    "cy": "Pryd ddylai'r pôl gau? Er enghraifft {{ example }}.",
}
DESK_POLL_SHARE = {
    "en": "Should everyone in the group get the results when it closes? Reply YES or NO.",
    "cy": "Ddylai pawb yn y grŵp gael y canlyniadau pan fydd yn cau? Atebwch IE neu NA.",
}
DESK_POLL_PREVIEW = {
    "en": "This poll will go to {{ people }} people in {{ group }}:\n\n{{ question }}\n"
    "{% for o in options %}{{ loop.index }}. {{ o }}\n{% endfor %}{% if welsh %}\n{{ welsh.question }}\n"
    "{% for o in welsh.options %}{{ loop.index }}. {{ o }}\n{% endfor %}{% else %}\nNo Welsh: people "
    "who chose Welsh get it in English.\n{% endif %}\n{{ 'More than one answer allowed. '"
    " if multiple }}Closes {{ closes | when }}.{{ ' Results go to everyone.' if share }}\n\nSend it? "
    "Reply YES, or BACK to stop.",
    "cy": "Bydd y pôl yma'n mynd at {{ people }} o bobl yn {{ group }}:\n\n{{ question }}\n"
    "{% for o in options %}{{ loop.index }}. {{ o }}\n{% endfor %}{% if welsh %}\n{{ welsh.question }}\n"
    "{% for o in welsh.options %}{{ loop.index }}. {{ o }}\n{% endfor %}{% else %}\nDim Cymraeg: bydd "
    "pobl a ddewisodd Gymraeg yn ei gael yn Saesneg.\n{% endif %}\n{{ 'Gellir dewis mwy nag un ateb. '"
    " if multiple }}Yn cau ar {{ closes | when('ar') }}.{{ ' Bydd pawb yn cael y canlyniadau.' if share }}"
    "\n\nEi anfon? Atebwch IE, neu BACK i stopio.",
}
DESK_POLL_MADE = {
    "en": "Poll {{ number }} is on its way. Send /results {{ number }} to see the answers so far.",
    "cy": "Mae pôl {{ number }} ar ei ffordd. Anfonwch /results {{ number }} i weld yr atebion hyd yma.",
}
DESK_MEETING_TITLE = {
    "en": "What is the meeting called, as people will read it? For example: Planning day.",
    "cy": "Beth yw enw'r cyfarfod, fel bydd pobl yn ei ddarllen? Er enghraifft: Diwrnod cynllunio.",
}
DESK_MEETING_WHEN = {
    "en": "When does it start? For example {{ example }}.",
    "cy": "Pryd mae'n dechrau? Er enghraifft {{ example }}.",
}
DESK_MEETING_WHERE = {
    "en": "Where is it? For example: the Library, Room 2. Or reply SKIP.",
    "cy": "Ble mae e? Er enghraifft: y Llyfrgell, Ystafell 2. Neu atebwch SKIP.",
}
DESK_MEETING_PREVIEW = {
    "en": "{{ title }}, {{ starts | when }}{{ ', at ' ~ place if place }}, for {{ group }}. Everyone "
    "will be invited and reminded. Add it? Reply YES, or BACK to stop.",
    "cy": "{{ title }}, {{ starts | when }}{{ ', yn ' ~ place if place }}, i {{ group }}. Bydd pawb "
    "yn cael gwahoddiad a nodyn atgoffa. Ei ychwanegu? Atebwch IE, neu BACK i stopio.",
}
DESK_MEETING_MADE = {
    "en": "Meeting {{ number }} is added. Invitations go {{ invite | when }}.",
    "cy": "Mae cyfarfod {{ number }} wedi'i ychwanegu. Bydd y gwahoddiadau'n mynd ar "
    "{{ invite | when('ar') }}.",
}
DESK_WHICH_POLL = {"en": "Which poll? Reply with a number.", "cy": "Pa bôl? Atebwch gyda rhif."}
DESK_NO_POLLS = {"en": "There are no polls for your groups yet.", "cy": "Does dim polau i'ch grwpiau eto."}
DESK_NO_CLAIMS = {
    "en": "No expense claims are waiting for a decision.",
    "cy": "Does dim ceisiadau am gostau yn aros am benderfyniad.",
}

# --- every text read for risk ------------------------------------------------------

# What a safeguarding lead reads (inside the alert) about a text outside the check-in.
MESSAGE_RISK_ALERT = {
    "en": "URGENT: {{ participant.full_name or 'A participant' }} sent a message that may mean they "
    "are at risk: \"{{ text }}\". Please contact them today.{% if opted_out %} They have opted "
    "out of messages (sent STOP), so copro did not answer them: please phone them.{% endif %}",
    "cy": "BRYS: Mae {{ participant.full_name or 'cyfranogwr' }} wedi anfon neges a allai olygu eu "
    "bod mewn perygl: \"{{ text }}\". Cysylltwch gyda nhw heddiw.{% if opted_out %} Maen nhw "
    "wedi dewis peidio cael negeseuon (STOP), felly wnaeth copro ddim eu hateb: ffoniwch nhw."
    "{% endif %}",
}
# The crisis numbers, for someone whose text may mean they are at risk; no promise of a call.
CRISIS = {
    "en": "What you wrote matters. If you need to talk to someone now, call Samaritans free on "
    "116 123, any time, day or night. For mental health help, call NHS 111 and choose option 2. "
    "In an emergency, call 999.",
    "cy": "Mae'r hyn wnaethoch chi ei ysgrifennu yn bwysig. Os oes angen i chi siarad gyda rhywun "
    "nawr, ffoniwch y Samariaid am ddim ar 116 123, ddydd a nos. I siarad yn Gymraeg, ffoniwch "
    "0808 164 0123 (bob nos, 7 tan 11). Am help gydag iechyd meddwl, ffoniwch GIG 111 a dewis "
    "opsiwn 2. Mewn argyfwng, ffoniwch 999.",
}
# The same, once the alert has reached someone from their group.
CRISIS_TOLD = {
    "en": "What you wrote matters, and we have told someone from the group, who will contact "
    "you. If you need to talk to someone now, call Samaritans free on 116 123, any time, day or "
    "night. For mental health help, call NHS 111 and choose option 2. In an emergency, call 999.",
    "cy": "Mae'r hyn wnaethoch chi ei ysgrifennu yn bwysig, ac rydyn ni wedi dweud wrth rywun o "
    "{{ settings.group_name }}, a fydd yn cysylltu gyda chi. Os oes angen i chi siarad gyda "
    "rhywun nawr, ffoniwch y Samariaid am ddim ar 116 123, ddydd a nos. I siarad yn Gymraeg, "
    "ffoniwch 0808 164 0123 (bob nos, 7 tan 11). Am help gydag iechyd meddwl, ffoniwch GIG 111 a "
    "dewis opsiwn 2. Mewn argyfwng, ffoniwch 999.",
}
# To a group's coordinators, once, when copro stops answering a number that acts like a robot.
ROBOT_MUTED = {
    "en": "copro has stopped answering {{ who }} ({{ address }}) for an hour: it sent "
    "{{ count }} texts {{ \"repeating copro's own words back\" if echo else 'that repeat each other' }}"
    " within {{ minutes }} minutes, like an automatic reply. Its texts are still kept and read for "
    "risk. If it is really a person, please get in touch with them.",
    "cy": "Mae copro wedi stopio ateb {{ who }} ({{ address }}) am awr: anfonodd {{ count }} o "
    "negeseuon {{ 'yn ailadrodd geiriau copro ei hun' if echo else \"sy'n ailadrodd ei gilydd\" }}"
    " o fewn {{ minutes }} munud, fel ateb awtomatig. Mae ei negeseuon yn dal i gael eu cadw a'u "
    "darllen am risg. Os mai person sydd yno go iawn, cysylltwch gyda nhw.",
}

DESK_SIGN_IN_CODE = {
    "en": "Your code to sign in to the copro desk is {{ code }}. It works once, for 10 minutes. "
    "If you did not ask for it, you can ignore this message.",
    "cy": "Eich cod i fewngofnodi i ddesg copro yw {{ code }}. Mae'n gweithio unwaith, am 10 munud. "
    "Os na wnaethoch chi ofyn amdano, gallwch anwybyddu'r neges hon.",
}
