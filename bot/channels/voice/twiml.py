"""One turn of a call as TwiML: the messages said in the person's language and voice, at a
slower pace, helpline numbers read digit by digit and again; a question inside a keypad
``<Gather>`` with how to answer it, then a ``<Redirect>`` for silence; or a goodbye."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twilio.twiml.voice_response import Gather, Say, VoiceResponse

from bot.core.config import VoiceConfig
from bot.delivery.channel import Outgoing
from bot.language import spoken
from bot.language.spoken import Digits, Pause, Speech, Words

LOCALES = {"en": "en-GB", "cy": "cy-GB"}
PAUSE = 1  # seconds between one message and the next


class Speaker:
    """Builds TwiML for one channel's settings; ``hook`` is the voice webhook's public URL."""

    def __init__(self, config: VoiceConfig, hook: str) -> None:
        self.config = config
        self.hook = hook

    def turn(self, said: Sequence[Outgoing], language: str, *, again: bool = False) -> str:
        """``said`` (the last perhaps a question) as the next TwiML; ``again``: a question
        asked a second time after silence."""
        response = VoiceResponse()
        question = said[-1] if said and said[-1].answer is not None else None
        for message in said[:-1] if question else said:
            self._say(response, message.body, message.language)
            response.pause(length=PAUSE)
        if question is None:
            self._say(response, spoken.said(spoken.GOODBYE, language), language)
            response.hangup()
            return str(response)
        answer = question.answer or {}
        single = answer.get("way") == "record" or answer.get("type") == "yesno" or (
            answer.get("type") == "choice" and len(question.options) <= 9)
        options: dict[str, Any] = {"num_digits": 1} if single else {}
        if self.config.speech and answer.get("way") != "record":
            options.update(input="dtmf speech", language=LOCALES.get(question.language, "en-GB"),
                           speech_timeout="auto")
        gather = Gather(action=f"{self.hook}?on=keys", method="POST",
                        timeout=self.config.silence_seconds, finish_on_key="#",
                        **({"input": "dtmf"} | options))
        if again:
            self._say(gather, spoken.said(spoken.AGAIN, question.language), question.language)
        self._say(gather, spoken.question(question.body), question.language)
        how = spoken.keypad(answer, question.options, question.language)
        self._say(gather, f"{how} {spoken.said(spoken.STAR, question.language)}".strip(),
                  question.language)
        response.append(gather)
        response.redirect(f"{self.hook}?on=silence", method="POST")
        return str(response)

    def record(self, language: str) -> str:
        """A short message after the tone, ended by the hash key or silence."""
        response = VoiceResponse()
        self._say(response, spoken.said(spoken.AFTER_THE_TONE, language), language)
        response.record(action=f"{self.hook}?on=record", method="POST",
                        max_length=self.config.max_message_seconds, finish_on_key="#",
                        timeout=self.config.silence_seconds, play_beep=True)
        response.redirect(f"{self.hook}?on=silence", method="POST")
        return str(response)

    def farewell(self, words: Words, language: str, **values: str) -> str:
        response = VoiceResponse()
        self._say(response, spoken.said(words, language, **values), language)
        response.hangup()
        return str(response)

    def _say(self, parent: VoiceResponse | Gather, text: str, language: str) -> None:
        voice = self.config.voices.get(language) or self.config.voices.get("en") or "Polly.Amy"
        say = Say(voice=voice, language=LOCALES.get(language, "en-GB"))
        prosody = say.prosody(rate=self.config.rate)
        for part in spoken.parts(text, language):
            if isinstance(part, Speech):
                prosody.append(part.text)
            elif isinstance(part, Digits):
                for n, group in enumerate(part.groups):
                    if n:
                        prosody.break_(time="600ms")
                    prosody.say_as(" ".join(group), interpret_as="digits")
            elif isinstance(part, Pause):
                prosody.break_(time=f"{int(part.seconds * 1000)}ms")
        parent.append(say)
