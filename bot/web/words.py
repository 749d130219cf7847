"""The desk's own words, in English and Welsh: short, plain, one idea at a time."""

from __future__ import annotations

from bot.engine.model import text_for

LANGUAGES = {"en": "English", "cy": "Cymraeg"}

WORDS: dict[str, dict[str, str]] = {  # each a Text, as flows and bot.language.texts write them
    "desk": {"en": "copro desk", "cy": "desg copro"},
    "skip": {"en": "Skip to the main part", "cy": "Neidio i'r prif ran"},
    "menu": {"en": "Main menu", "cy": "Prif ddewislen"},
    "today": {"en": "Today", "cy": "Heddiw"},
    "people": {"en": "Groups and people", "cy": "Grwpiau a phobl"},
    "simulator": {"en": "Try a conversation", "cy": "Rhoi cynnig ar sgwrs"},
    "mine": {"en": "My information", "cy": "Fy ngwybodaeth"},
    "sign_out": {"en": "Sign out", "cy": "Allgofnodi"},
    "signed_in_as": {"en": "Signed in as", "cy": "Wedi mewngofnodi fel"},
    "language": {"en": "Language", "cy": "Iaith"},
    # signing in
    "sign_in": {"en": "Sign in", "cy": "Mewngofnodi"},
    "sign_in_intro": {"en": "Type your mobile number. We will send a code to your phone or Telegram.",
                      "cy": "Teipiwch eich rhif ffôn symudol. Byddwn yn anfon cod i'ch ffôn neu i "
                            "Telegram."},
    "your_number": {"en": "Your mobile number", "cy": "Eich rhif ffôn symudol"},
    "send_code": {"en": "Send me a code", "cy": "Anfonwch god ataf"},
    "code_sent": {"en": "If copro knows this number, a code is on its way to that person's phone "
                        "or Telegram. It works once, for 10 minutes.",
                  "cy": "Os yw copro yn adnabod y rhif hwn, mae cod ar ei ffordd i ffôn neu Telegram "
                        "y person hwnnw. Mae'n gweithio unwaith, am 10 munud."},
    "the_code": {"en": "The code (6 numbers)", "cy": "Y cod (6 rhif)"},
    "sign_in_now": {"en": "Sign in", "cy": "Mewngofnodi"},
    "code_wrong": {"en": "That code did not work. It may be wrong, used already, or more than 10 "
                         "minutes old. Ask for a new one.",
                   "cy": "Wnaeth y cod hwnnw ddim gweithio. Efallai ei fod yn anghywir, wedi'i "
                         "ddefnyddio, neu'n hŷn na 10 munud. Gofynnwch am un newydd."},
    "too_many": {"en": "Too many tries. Please wait 10 minutes and try again.",
                 "cy": "Gormod o ymdrechion. Arhoswch 10 munud a rhowch gynnig arall arni."},
    "number_wrong": {"en": "That does not look like a phone number. Try again, like 07700 900123.",
                     "cy": "Dydy hynny ddim yn edrych fel rhif ffôn. Rhowch gynnig arall, fel "
                           "07700 900123."},
    "link_wrong": {"en": "That sign-in link did not work. It may be used already, or too old. Ask "
                         "for a new one.",
                   "cy": "Wnaeth y ddolen honno ddim gweithio. Efallai ei bod wedi'i defnyddio, "
                         "neu'n rhy hen. Gofynnwch am un newydd."},
    "new_code": {"en": "Ask for a new code", "cy": "Gofyn am god newydd"},
    "session_over": {"en": "Please sign in again. Your last sign-in has ended.",
                     "cy": "Mewngofnodwch eto. Mae eich mewngofnodi diwethaf wedi dod i ben."},
    "signed_out": {"en": "You have signed out.", "cy": "Rydych chi wedi allgofnodi."},
    # refusals
    "refused": {"en": "We could not do that", "cy": "Doedd dim modd gwneud hynny"},
    "csrf": {"en": "This form was old or came from another page, so nothing was changed. Go back, "
                   "reload the page and try again.",
             "cy": "Roedd y ffurflen hon yn hen neu wedi dod o dudalen arall, felly newidiodd dim "
                   "byd. Ewch yn ôl, ail-lwythwch y dudalen a rhowch gynnig arall arni."},
    "not_yours": {"en": "You cannot see this. It belongs to a group you do not look after.",
                  "cy": "Allwch chi ddim gweld hyn. Mae'n perthyn i grŵp nad ydych chi'n gofalu "
                        "amdano."},
    "not_found": {"en": "There is no page here.", "cy": "Does dim tudalen yma."},
    "back_today": {"en": "Go to Today", "cy": "Mynd i Heddiw"},
    # today
    "alerts": {"en": "Safeguarding alerts not looked after yet",
               "cy": "Rhybuddion diogelu heb eu trin eto"},
    "no_alerts": {"en": "No alerts are waiting.", "cy": "Does dim rhybuddion yn aros."},
    "alert": {"en": "Alert", "cy": "Rhybudd"},
    "about": {"en": "About", "cy": "Am"},
    "they_wrote": {"en": "They wrote", "cy": "Fe ysgrifennon nhw"},
    "raised": {"en": "Raised", "cy": "Codwyd"},
    "sent_times": {"en": "Times sent to staff", "cy": "Sawl gwaith i staff"},
    "told": {"en": "Who was told", "cy": "Pwy gafodd wybod"},
    "nobody_told": {"en": "Nobody yet: no one could be reached.",
                    "cy": "Neb eto: doedd dim modd cyrraedd neb."},
    "note": {"en": "Your note (what you will do)", "cy": "Eich nodyn (beth fyddwch chi'n ei wneud)"},
    "acknowledge": {"en": "I am looking after this", "cy": "Rydw i'n gofalu am hyn"},
    "acknowledged": {"en": "Thank you. The alert is marked as looked after by you. The others "
                           "who were told have been let know.",
                     "cy": "Diolch. Mae'r rhybudd wedi'i nodi fel un rydych chi'n gofalu amdano. "
                           "Mae'r lleill gafodd wybod wedi cael gwybod."},
    "already_taken": {"en": "Someone else is already looking after this alert.",
                      "cy": "Mae rhywun arall eisoes yn gofalu am y rhybudd hwn."},
    "claims": {"en": "Expense claims waiting", "cy": "Ceisiadau am gostau yn aros"},
    "no_claims": {"en": "No claims are waiting.", "cy": "Does dim ceisiadau yn aros."},
    "claim": {"en": "Claim", "cy": "Cais"},
    "amount": {"en": "Amount", "cy": "Swm"},
    "for_what": {"en": "For", "cy": "Am"},
    "spent_on": {"en": "Day", "cy": "Diwrnod"},
    "paid_by": {"en": "Paid by", "cy": "Talu drwy"},
    "receipt": {"en": "Receipt", "cy": "Derbynneb"},
    "receipt_of": {"en": "Receipt photo for claim", "cy": "Llun derbynneb ar gyfer cais"},
    "no_receipt": {"en": "No receipt", "cy": "Dim derbynneb"},
    "approve": {"en": "Approve", "cy": "Cymeradwyo"},
    "approved": {"en": "Claim approved. The person has been told.",
                 "cy": "Cais wedi'i gymeradwyo. Mae'r person wedi cael gwybod."},
    "reason": {"en": "Reason, in words the person will read", "cy": "Rheswm, mewn geiriau y bydd y "
                                                                    "person yn eu darllen"},
    "turn_down": {"en": "Turn down", "cy": "Gwrthod"},
    "turned_down": {"en": "Claim turned down. The person has been told why.",
                    "cy": "Cais wedi'i wrthod. Mae'r person wedi cael gwybod pam."},
    "reason_needed": {"en": "Please write a reason. The person will read it.",
                      "cy": "Ysgrifennwch reswm. Bydd y person yn ei ddarllen."},
    "claim_gone": {"en": "This claim was decided already, or is not yours to decide.",
                   "cy": "Mae penderfyniad wedi'i wneud ar y cais hwn yn barod, neu nid eich "
                         "penderfyniad chi yw e."},
    "asked": {"en": "People who asked to talk to someone",
              "cy": "Pobl a ofynnodd am gael siarad â rhywun"},
    "unheard": {"en": "no coordinator could be told", "cy": "doedd dim modd dweud wrth gydlynydd"},
    "messages": {"en": "Messages that failed or are held", "cy": "Negeseuon a fethodd neu sy'n aros"},
    "no_messages": {"en": "No messages have failed.", "cy": "Does dim negeseuon wedi methu."},
    "to": {"en": "To", "cy": "At"},
    "why": {"en": "Why", "cy": "Pam"},
    "resend": {"en": "Send it again", "cy": "Anfon eto"},
    "resent": {"en": "The message will be sent again now.", "cy": "Bydd y neges yn cael ei hanfon eto nawr."},
    "not_resent": {"en": "That message cannot be sent again: the person has said STOP, or it is "
                         "already on its way.",
                   "cy": "Does dim modd anfon y neges honno eto: mae'r person wedi dweud STOP, neu "
                         "mae hi ar ei ffordd yn barod."},
    "gaps": {"en": "Groups where nobody can act", "cy": "Grwpiau lle does neb yn gallu gweithredu"},
    "no_gaps": {"en": "Every group has someone to act.", "cy": "Mae gan bob grŵp rywun i weithredu."},
    "to_fix": {"en": "To fix", "cy": "I drwsio"},
    # people
    "groups": {"en": "Groups", "cy": "Grwpiau"},
    "members": {"en": "members", "cy": "aelod"},
    "search": {"en": "Find someone (name or phone number, any way written)",
               "cy": "Dod o hyd i rywun (enw neu rif ffôn, wedi'i ysgrifennu unrhyw ffordd)"},
    "find": {"en": "Find", "cy": "Chwilio"},
    "nobody_found": {"en": "Nobody matches.", "cy": "Does neb yn cyfateb."},
    "name": {"en": "Name", "cy": "Enw"},
    "phone": {"en": "Phone", "cy": "Ffôn"},
    "telegram": {"en": "Telegram chat id", "cy": "Rhif sgwrs Telegram"},
    "group": {"en": "Group", "cy": "Grŵp"},
    "role": {"en": "Role", "cy": "Rôl"},
    "status": {"en": "Status", "cy": "Statws"},
    "stopped": {"en": "Said STOP: gets no messages", "cy": "Wedi dweud STOP: dim negeseuon"},
    "active": {"en": "Gets messages", "cy": "Yn cael negeseuon"},
    "no_consent": {"en": "Not agreed yet", "cy": "Heb gytuno eto"},
    "erased": {"en": "Forgotten", "cy": "Wedi'i anghofio"},
    "add_person": {"en": "Add someone", "cy": "Ychwanegu rhywun"},
    "add": {"en": "Add", "cy": "Ychwanegu"},
    "added": {"en": "Added.", "cy": "Wedi ychwanegu."},
    "import": {"en": "Add many people from a spreadsheet (CSV)",
               "cy": "Ychwanegu llawer o bobl o daenlen (CSV)"},
    "import_help": {"en": "The first line names the columns: name, phone, telegram, language, "
                          "group, role. You see every row before anything is saved.",
                    "cy": "Mae'r llinell gyntaf yn enwi'r colofnau: name, phone, telegram, "
                          "language, group, role. Rydych chi'n gweld pob rhes cyn cadw dim."},
    "csv_file": {"en": "The CSV file", "cy": "Y ffeil CSV"},
    "preview": {"en": "Check it first", "cy": "Ei wirio yn gyntaf"},
    "preview_title": {"en": "Check before saving", "cy": "Gwirio cyn cadw"},
    "line": {"en": "Line", "cy": "Llinell"},
    "problem": {"en": "Problem", "cy": "Problem"},
    "ok": {"en": "Ready to add", "cy": "Yn barod"},
    "save_good": {"en": "Add the rows without problems", "cy": "Ychwanegu'r rhesi heb broblemau"},
    "nothing_saved": {"en": "Nothing has been saved yet.", "cy": "Does dim wedi'i gadw eto."},
    "imported": {"en": "people added", "cy": "o bobl wedi'u hychwanegu"},
    "skipped": {"en": "rows left out", "cy": "rhes wedi'u gadael allan"},
    "edit": {"en": "Change", "cy": "Newid"},
    "save": {"en": "Save", "cy": "Cadw"},
    "saved": {"en": "Saved.", "cy": "Wedi cadw."},
    "invite": {"en": "Invite to Telegram", "cy": "Gwahodd i Telegram"},
    "invite_help": {"en": "Show this QR code, or send the link. It works once, for 14 days.",
                    "cy": "Dangoswch y cod QR hwn, neu anfonwch y ddolen. Mae'n gweithio unwaith, "
                          "am 14 diwrnod."},
    "invite_code": {"en": "Or they send the bot this code", "cy": "Neu maen nhw'n anfon y cod hwn at "
                                                                  "y bot"},
    "qr": {"en": "QR code that opens the Telegram link", "cy": "Cod QR sy'n agor y ddolen Telegram"},
    "export": {"en": "Download everything kept about them", "cy": "Lawrlwytho popeth sydd wedi'i "
                                                                  "gadw amdanyn nhw"},
    "forget": {"en": "Forget this person", "cy": "Anghofio'r person hwn"},
    "forget_sure": {"en": "This erases their name, numbers, answers and messages for good. Type "
                          "FORGET to be sure.",
                    "cy": "Mae hyn yn dileu eu henw, rhifau, atebion a negeseuon am byth. Teipiwch "
                          "FORGET i fod yn siŵr."},
    "forget_word": {"en": "Type FORGET", "cy": "Teipiwch FORGET"},
    "forgotten": {"en": "They have been forgotten.", "cy": "Maen nhw wedi'u hanghofio."},
    "not_forgotten": {"en": "Nothing was erased: type FORGET to be sure.",
                      "cy": "Chafodd dim ei ddileu: teipiwch FORGET i fod yn siŵr."},
    "person": {"en": "Person", "cy": "Person"},
    # me
    "my_data": {"en": "What copro keeps about you", "cy": "Beth mae copro yn ei gadw amdanoch chi"},
    "my_rights": {"en": "You can ask for a copy of everything copro keeps about you, and ask for it "
                        "to be erased. Text STOP at any time to stop all messages.",
                  "cy": "Gallwch ofyn am gopi o bopeth mae copro yn ei gadw amdanoch chi, a gofyn "
                        "iddo gael ei ddileu. Anfonwch STOP unrhyw bryd i stopio pob neges."},
    "message_count": {"en": "Messages kept", "cy": "Negeseuon wedi'u cadw"},
    "my_export": {"en": "Download my information", "cy": "Lawrlwytho fy ngwybodaeth"},
    "my_erase": {"en": "To have it erased, ask your coordinator.",
                 "cy": "I'w dileu, gofynnwch i'ch cydlynydd."},
    # meetings
    "meetings": {"en": "Meetings", "cy": "Cyfarfodydd"},
    "no_meetings": {"en": "No meetings are coming up.", "cy": "Does dim cyfarfodydd i ddod."},
    "where": {"en": "Where", "cy": "Ble"},
    "when": {"en": "When (like 2026-12-08 2pm)", "cy": "Pryd (fel 2026-12-08 2pm)"},
    "title": {"en": "What it is", "cy": "Beth yw e"},
    "coming": {"en": "Answers", "cy": "Atebion"},
    "yes": {"en": "yes", "cy": "ydw"},
    "maybe": {"en": "maybe", "cy": "efallai"},
    "no": {"en": "no", "cy": "na"},
    "not_answered": {"en": "not answered", "cy": "heb ateb"},
    "needs": {"en": "Access needs", "cy": "Anghenion mynediad"},
    "no_needs": {"en": "None asked for yet.", "cy": "Dim wedi gofyn eto."},
    "move_to": {"en": "Move it to", "cy": "Ei symud i"},
    "move": {"en": "Move it", "cy": "Ei symud"},
    "cancel_sure": {"en": "Yes, cancel it and tell everyone", "cy": "Ie, ei ganslo a dweud wrth bawb"},
    "cancel_meeting": {"en": "Cancel the meeting", "cy": "Canslo'r cyfarfod"},
    "add_meeting": {"en": "Add a meeting", "cy": "Ychwanegu cyfarfod"},
    "meeting_added": {"en": "Meeting added. The invitation goes out on its own.",
                      "cy": "Cyfarfod wedi'i ychwanegu. Mae'r gwahoddiad yn mynd ar ei ben ei hun."},
    "meeting_moved": {"en": "Meeting moved. Everyone is asked again.",
                      "cy": "Cyfarfod wedi'i symud. Mae pawb yn cael eu holi eto."},
    "meeting_cancelled": {"en": "Meeting cancelled. Everyone who was invited is told.",
                          "cy": "Cyfarfod wedi'i ganslo. Mae pawb a gafodd wahoddiad yn cael gwybod."},
    # simulator
    "sim_intro": {"en": "Talk to a conversation as a participant would. This uses practice data "
                        "only: no real person gets a message.",
                  "cy": "Siaradwch â sgwrs fel y byddai cyfranogwr. Mae hyn yn defnyddio data "
                        "ymarfer yn unig: does neb go iawn yn cael neges."},
    "flow": {"en": "Conversation", "cy": "Sgwrs"},
    "as_channel": {"en": "As", "cy": "Fel"},
    "sms": {"en": "Text message (SMS)", "cy": "Neges destun (SMS)"},
    "telegram_app": {"en": "Telegram", "cy": "Telegram"},
    "start": {"en": "Start", "cy": "Dechrau"},
    "your_reply": {"en": "Your reply", "cy": "Eich ateb"},
    "send": {"en": "Send", "cy": "Anfon"},
    "you": {"en": "You", "cy": "Chi"},
    "segments": {"en": "text(s) long", "cy": "neges(au) o hyd"},
    "sim_none": {"en": "Choose a conversation and press Start.",
                 "cy": "Dewiswch sgwrs a phwyso Dechrau."},
}


def word(key: str, lang: str) -> str:
    return text_for(WORDS[key], lang)
