"""Demo content for development: the series, its first real session, a few invented ones, example
speakers and an organiser account (`manage.py load_demo`, run by `make run`).

Idempotent: every object is found by its slug (users by username) and updated in place, links
and materials of demo sessions are reset to the listed ones, and a speaker photo is generated
only when the speaker has none. "The same data" means: a second run on the same day (in the
series' zone, Europe/Copenhagen) leaves every field value as it was, apart from the `updated_at`
timestamps. The invented sessions are dated relative to the day of the run, so a run on a later
day moves them forward by the days that have passed: they always lie ahead, 10 to 90 days out.
The first session keeps its real, fixed date (18 July 2024).
"""

# The Russian demo text is Cyrillic on purpose (RUF001 flags Cyrillic letters as confusables).

import datetime as dt
import io
import os
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation

from events.models import Series, Session, SessionMaterial, SessionSpeaker, Speaker
from events.services import set_speaker_photo

SERIES_ZONE = "Europe/Copenhagen"
ORGANISER_USERNAME = "organiser"
ORGANISER_EMAIL = "organiser@decoded.example"
ORGANISER_GROUP = "Organisers"
# Development only (load_demo refuses to run in production). Override with DEMO_ORGANISER_PASSWORD.
DEV_ORGANISER_PASSWORD = "teal-harbour-lantern-2024"  # noqa: S105 (documented development password)
PASSWORD_ENV = "DEMO_ORGANISER_PASSWORD"  # noqa: S105 (the name of a variable, not a password)
# Development only, never in production (see `_load_organiser_mfa`): the demo organiser's TOTP
# secret, printed by load_demo so a newcomer can add it to an authenticator app.
DEV_ORGANISER_TOTP_SECRET = "DECODEDDEMOSECRETFORDEVELOPMENT2"  # noqa: S105 (documented development secret)

SERIES = {
    "slug": "decoding-data",
    "title_en": "Decoding data and digital health",
    "title_ru": "Расшифровка данных и цифрового здравоохранения",
    "tagline_en": "Online sessions on health data, security and digital health, in English and Russian.",
    "tagline_ru": "Онлайн-семинары о данных здравоохранения, безопасности и цифровом здравоохранении "
    "на английском и русском языках.",
    "description_en": (
        "A webinar series for health professionals and officials on how health data is collected, "
        "protected, shared and used. Each session lasts 60 to 90 minutes, is given in English with "
        "simultaneous Russian interpretation, and brings together practitioners and experts from "
        "across the region to discuss practical experience and open questions."
    ),
    "description_ru": (
        "Цикл вебинаров для специалистов и руководителей здравоохранения о том, как данные о здоровье "
        "собираются, защищаются, передаются и используются. Каждая сессия длится от 60 до 90 минут, "
        "проходит на английском языке с синхронным переводом на русский и объединяет практиков и "
        "экспертов из разных стран региона для обсуждения практического опыта и открытых вопросов."
    ),
    "organiser_name_en": "Regional Health Agency",
    "organiser_name_ru": "Региональное агентство здравоохранения",
    "reply_to_email": "webinars@decoded.example",
    "timezone": SERIES_ZONE,
}

# Invented people and organisations; `is_example` makes the public site label them as such.
SPEAKERS = [
    {
        "slug": "example-ingrid-sample",
        "initials": "IS",
        "name_en": "Dr Ingrid Sample",
        "name_ru": "Д-р Ингрид Сэмпл",
        "position_en": "Head of Health Data Security",
        "position_ru": "Руководитель отдела безопасности медицинских данных",
        "organisation_en": "Example Health Institute",
        "organisation_ru": "Институт здравоохранения «Пример»",
        "country": "DK",
        "bio_en": (
            "Ingrid Sample is an invented speaker used in the demo. Her profile stands for a security "
            "lead who has built encryption and key-management programmes for hospital networks and "
            "advises on incident response in health care."
        ),
        "bio_ru": (
            "Ингрид Сэмпл — вымышленный докладчик для демонстрации. Её профиль описывает руководителя "
            "по безопасности, который внедрял шифрование и управление ключами в сетях больниц и "
            "консультирует по реагированию на инциденты в здравоохранении."
        ),
        "colour": (31, 111, 120),
    },
    {
        "slug": "example-timur-placeholder",
        "initials": "TP",
        "name_en": "Prof. Timur Placeholder",
        "name_ru": "Проф. Тимур Плейсхолдер",
        "position_en": "Professor of Medical Informatics",
        "position_ru": "Профессор медицинской информатики",
        "organisation_en": "Demo University of Medicine",
        "organisation_ru": "Демонстрационный медицинский университет",
        "country": "KZ",
        "bio_en": (
            "Timur Placeholder is an invented speaker used in the demo. His profile stands for an "
            "academic who teaches health information systems and works on data standards and "
            "interoperability between hospital and national registries."
        ),
        "bio_ru": (
            "Тимур Плейсхолдер — вымышленный докладчик для демонстрации. Его профиль описывает "
            "преподавателя медицинских информационных систем, который занимается стандартами данных и "
            "взаимодействием больничных систем с национальными регистрами."
        ),
        "colour": (74, 85, 162),
    },
    {
        "slug": "example-maria-fictiva",
        "initials": "MF",
        "name_en": "Maria Fictiva",
        "name_ru": "Мария Фиктива",
        "position_en": "Chief Information Security Officer",
        "position_ru": "Директор по информационной безопасности",
        "organisation_en": "Sample Regional Hospital",
        "organisation_ru": "Региональная больница «Образец»",
        "country": "PT",
        "bio_en": (
            "Maria Fictiva is an invented speaker used in the demo. Her profile stands for a hospital "
            "security officer responsible for access control, staff awareness and network segmentation "
            "of clinical systems and medical devices."
        ),
        "bio_ru": (
            "Мария Фиктива — вымышленный докладчик для демонстрации. Её профиль описывает специалиста "
            "больницы, отвечающего за управление доступом, обучение персонала и сегментацию сети "
            "клинических систем и медицинских изделий."
        ),
        "colour": (143, 75, 40),
    },
    {
        "slug": "example-nino-exemplar",
        "initials": "NE",
        "name_en": "Dr Nino Exemplar",
        "name_ru": "Д-р Нино Экземплар",
        "position_en": "Director of Telemedicine Services",
        "position_ru": "Директор службы телемедицины",
        "organisation_en": "Illustrative Centre for Telemedicine",
        "organisation_ru": "Иллюстративный центр телемедицины",
        "country": "GE",
        "bio_en": (
            "Nino Exemplar is an invented speaker used in the demo. Her profile stands for a physician "
            "who runs remote consultation services and works on patient privacy in telemedicine."
        ),
        "bio_ru": (
            "Нино Экземплар — вымышленный докладчик для демонстрации. Её профиль описывает врача, "
            "руководящего службой дистанционных консультаций и занимающегося защитой "
            "конфиденциальности пациентов в телемедицине."
        ),
        "colour": (96, 112, 48),
    },
    {
        "slug": "example-sam-moderato",
        "initials": "SM",
        "name_en": "Sam Moderato",
        "name_ru": "Сэм Модерато",
        "position_en": "Programme Officer, Digital Health",
        "position_ru": "Специалист программы по цифровому здравоохранению",
        "organisation_en": "Example Health Agency",
        "organisation_ru": "Агентство здравоохранения «Пример»",
        "country": "NL",
        "bio_en": (
            "Sam Moderato is an invented moderator used in the demo. The profile stands for a "
            "programme officer who coordinates the series and moderates its discussions."
        ),
        "bio_ru": (
            "Сэм Модерато — вымышленный модератор для демонстрации. Профиль описывает специалиста "
            "программы, который координирует цикл и ведёт дискуссии."
        ),
        "colour": (120, 60, 110),
    },
]

FIRST_SESSION = {
    "slug": "cybersecurity-in-health-care",
    "title_en": "Cybersecurity in health care",
    "title_ru": "Кибербезопасность в здравоохранении",
    "summary_en": (
        "How health organisations can protect patient data: encryption, access controls and network "
        "security, discussed by international experts."
    ),
    "summary_ru": (
        "Как организациям здравоохранения защищать данные пациентов: шифрование, управление доступом "
        "и сетевая безопасность — обсуждение с международными экспертами."
    ),
    "description_en": (
        "Health data is a prime target for attackers. Records are valuable, clinical systems must stay "
        "available around the clock, and many hospitals run old software and medical devices that are "
        "hard to update. The average cost of a health care data breach reached USD 10.93 million in "
        "2023, the highest of any sector.\n\n"
        "This session opens the series' cybersecurity strand. International experts discuss three "
        "lines of defence:\n\n"
        "- data encryption, at rest and in transit, and the management of the keys;\n"
        "- access controls: least privilege, strong authentication and reviewing who can see what;\n"
        "- network security: segmenting clinical networks, protecting connected devices and "
        "monitoring for intrusions.\n\n"
        "Speakers share practical experience and leave time for questions from participants. The "
        "session is given in English with simultaneous interpretation into Russian."
    ),
    "description_ru": (
        "Данные здравоохранения — приоритетная цель для злоумышленников. Медицинские записи ценны, "
        "клинические системы должны работать круглосуточно, а во многих больницах используются "
        "устаревшее программное обеспечение и медицинские изделия, которые трудно обновлять. Средний "
        "ущерб от утечки данных в здравоохранении в 2023 году достиг 10,93 млн долларов США — больше, "
        "чем в любой другой отрасли.\n\n"
        "Эта сессия открывает направление цикла, посвящённое кибербезопасности. Международные эксперты "
        "обсуждают три линии защиты:\n\n"
        "- шифрование данных при хранении и передаче, а также управление ключами;\n"
        "- управление доступом: минимальные привилегии, надёжная аутентификация и регулярная проверка "
        "того, кто какие данные видит;\n"
        "- сетевая безопасность: сегментация клинических сетей, защита подключённых устройств и "
        "обнаружение вторжений.\n\n"
        "Докладчики делятся практическим опытом и отвечают на вопросы участников. Сессия проходит на "
        "английском языке с синхронным переводом на русский."
    ),
    "date": dt.date(2024, 7, 18),
    "start": dt.time(13, 0),
    "minutes": 90,
    "capacity": 3000,
    "status": Session.Status.PUBLISHED,
    "registration_opens_on": dt.date(2024, 6, 20),
    "speakers": [
        ("example-sam-moderato", SessionSpeaker.Role.MODERATOR),
        ("example-ingrid-sample", SessionSpeaker.Role.SPEAKER),
        ("example-maria-fictiva", SessionSpeaker.Role.SPEAKER),
        ("example-timur-placeholder", SessionSpeaker.Role.PANELLIST),
    ],
    "materials": [
        {
            "url": "https://decoded.example/materials/example-reading-list",
            "title_en": "Example reading list on securing health data (placeholder link)",
            "title_ru": "Пример списка литературы о защите медицинских данных (ссылка-заглушка)",
        }
    ],
}

# Invented sessions, dated relative to the day of the run (`days` ahead, at 13:00 Copenhagen time).
UPCOMING_SESSIONS = [
    {
        "slug": "health-data-interoperability",
        "days": 10,
        "minutes": 60,
        "title_en": "Health data interoperability: standards that let data flow safely",
        "title_ru": "Совместимость медицинских данных: стандарты безопасного обмена",
        "summary_en": (
            "How common standards such as HL7 FHIR and shared terminologies let hospitals, "
            "laboratories and registries exchange data without losing meaning or control."
        ),
        "summary_ru": (
            "Как общие стандарты, такие как HL7 FHIR, и единые терминологии позволяют больницам, "
            "лабораториям и регистрам обмениваться данными, не теряя их смысла и контроля над ними."
        ),
        "description_en": (
            "Data that cannot move between systems is re-entered by hand, duplicated or lost. This "
            "session looks at the building blocks of interoperability: exchange formats such as HL7 "
            "FHIR, coding systems for diagnoses, tests and medicines, and the agreements on identity "
            "and consent that make exchange lawful. Speakers discuss what to standardise first, how to "
            "test conformance and how to keep security and privacy in view from the start."
        ),
        "description_ru": (
            "Данные, которые не могут переходить из одной системы в другую, приходится вводить заново, "
            "они дублируются или теряются. На сессии рассматриваются основы совместимости: форматы "
            "обмена, такие как HL7 FHIR, системы кодирования диагнозов, исследований и лекарств, а также "
            "договорённости об идентификации и согласии, которые делают обмен законным. Докладчики "
            "обсуждают, что стандартизировать в первую очередь, как проверять соответствие и как с "
            "самого начала учитывать безопасность и конфиденциальность."
        ),
        "capacity": None,
        "status": Session.Status.PUBLISHED,
        "registration_opens_days": -7,
        "speakers": [
            ("example-sam-moderato", SessionSpeaker.Role.MODERATOR),
            ("example-timur-placeholder", SessionSpeaker.Role.SPEAKER),
        ],
    },
    {
        "slug": "governing-ai-in-diagnostics",
        "days": 24,
        "minutes": 90,
        "title_en": "Governing AI in diagnostics",
        "title_ru": "Управление искусственным интеллектом в диагностике",
        "summary_en": (
            "Who checks a diagnostic algorithm before and after it reaches patients? Evaluation, "
            "oversight and accountability for AI in clinical diagnosis."
        ),
        "summary_ru": (
            "Кто проверяет диагностический алгоритм до и после того, как он начинает применяться к "
            "пациентам? Оценка, надзор и ответственность при использовании ИИ в клинической диагностике."
        ),
        "description_en": (
            "Algorithms that read images or flag risks are entering clinical practice. This session "
            "discusses how health systems can govern them: evaluating performance on local populations, "
            "documenting training data, monitoring for drift after deployment, keeping clinicians "
            "responsible for decisions, and protecting the personal data used to build and run the tools."
        ),
        "description_ru": (
            "Алгоритмы, которые анализируют изображения или выявляют риски, приходят в клиническую "
            "практику. На сессии обсуждается, как системы здравоохранения могут ими управлять: оценивать "
            "точность на местном населении, документировать обучающие данные, отслеживать ухудшение "
            "работы после внедрения, сохранять ответственность врачей за решения и защищать "
            "персональные данные, используемые для создания и работы таких инструментов."
        ),
        "capacity": 500,
        "status": Session.Status.PUBLISHED,
        "registration_opens_days": -7,
        "speakers": [
            ("example-sam-moderato", SessionSpeaker.Role.MODERATOR),
            ("example-timur-placeholder", SessionSpeaker.Role.SPEAKER),
            ("example-ingrid-sample", SessionSpeaker.Role.PANELLIST),
            ("example-nino-exemplar", SessionSpeaker.Role.PANELLIST),
        ],
    },
    {
        "slug": "telemedicine-and-patient-privacy",
        "days": 40,
        "minutes": 60,
        "title_en": "Telemedicine and patient privacy",
        "title_ru": "Телемедицина и конфиденциальность пациентов",
        "summary_en": (
            "Remote consultations bring care closer to patients. What does it take to keep them as "
            "confidential as a visit to the clinic?"
        ),
        "summary_ru": (
            "Дистанционные консультации приближают медицинскую помощь к пациентам. Что нужно, чтобы они "
            "оставались такими же конфиденциальными, как приём в поликлинике?"
        ),
        "description_en": (
            "Video consultations, remote monitoring and messaging with patients raise practical privacy "
            "questions: choosing platforms, verifying who is on the call, recording and storing "
            "consultations, and handling data from devices at home. Speakers share how services were "
            "set up and what patients were told."
        ),
        "description_ru": (
            "Видеоконсультации, дистанционный мониторинг и переписка с пациентами ставят практические "
            "вопросы конфиденциальности: выбор платформы, проверка участников звонка, запись и хранение "
            "консультаций, обработка данных с домашних устройств. Докладчики рассказывают, как были "
            "организованы службы и что сообщали пациентам."
        ),
        "capacity": None,
        "status": Session.Status.PUBLISHED,
        "registration_opens_days": -7,
        "speakers": [
            ("example-nino-exemplar", SessionSpeaker.Role.SPEAKER),
            ("example-maria-fictiva", SessionSpeaker.Role.SPEAKER),
        ],
    },
    {
        "slug": "ransomware-preparedness-for-hospitals",
        "days": 70,
        "minutes": 90,
        "title_en": "Ransomware preparedness for hospitals",
        "title_ru": "Готовность больниц к атакам программ-вымогателей",
        "summary_en": (
            "Backups, downtime procedures and exercises: how hospitals prepare to keep treating "
            "patients when their systems are encrypted by attackers."
        ),
        "summary_ru": (
            "Резервные копии, порядок работы при отказе систем и учения: как больницы готовятся "
            "продолжать лечение пациентов, если злоумышленники зашифровали их системы."
        ),
        "description_en": (
            "Ransomware attacks have closed emergency departments and postponed treatment. This session "
            "covers preparation before an attack (offline backups, tested restores, paper-based downtime "
            "procedures), the first hours of an incident, and communication with patients, staff and "
            "authorities."
        ),
        "description_ru": (
            "Атаки программ-вымогателей уже приводили к закрытию приёмных отделений и переносу лечения. "
            "На сессии рассматриваются подготовка до атаки (автономные резервные копии, проверенное "
            "восстановление, работа с бумажной документацией при отказе систем), первые часы инцидента "
            "и информирование пациентов, персонала и органов власти."
        ),
        "capacity": None,
        "status": Session.Status.PUBLISHED,
        # Announced early; registration opens two weeks from now.
        "registration_opens_days": 14,
        "speakers": [
            ("example-sam-moderato", SessionSpeaker.Role.MODERATOR),
            ("example-maria-fictiva", SessionSpeaker.Role.SPEAKER),
            ("example-ingrid-sample", SessionSpeaker.Role.SPEAKER),
        ],
    },
    {
        "slug": "secure-messaging-for-clinical-teams",
        "days": 30,
        "minutes": 60,
        "title_en": "Secure messaging for clinical teams",
        "title_ru": "Защищённый обмен сообщениями в клинических командах",
        "summary_en": (
            "Clinicians use chat apps because they are fast. How can organisations offer something as "
            "convenient that keeps patient data under control?"
        ),
        "summary_ru": (
            "Врачи пользуются мессенджерами, потому что это быстро. Как организациям предложить не менее "
            "удобный инструмент, сохраняющий контроль над данными пациентов?"
        ),
        "description_en": (
            "A look at secure messaging in hospitals: what clinicians need, the risks of consumer chat "
            "apps, and how to introduce approved tools with end-to-end encryption and retention rules."
        ),
        "description_ru": (
            "Обзор защищённого обмена сообщениями в больницах: что нужно врачам, чем опасны "
            "потребительские мессенджеры и как внедрить одобренные инструменты со сквозным шифрованием "
            "и правилами хранения."
        ),
        "cancellation_note_en": (
            "This session is cancelled because a speaker is unavailable. It will be rescheduled; "
            "registrants will be told the new date."
        ),
        "cancellation_note_ru": (
            "Эта сессия отменена, так как один из докладчиков не может выступить. Она будет перенесена; "
            "зарегистрированные участники получат сообщение о новой дате."
        ),
        "capacity": None,
        "status": Session.Status.CANCELLED,
        "registration_opens_days": -7,
        "speakers": [("example-nino-exemplar", SessionSpeaker.Role.SPEAKER)],
    },
    {
        "slug": "anonymisation-of-public-health-statistics",
        "days": 90,
        "minutes": 60,
        "title_en": "Anonymisation in public health statistics (draft)",
        "title_ru": "Анонимизация в статистике общественного здравоохранения (черновик)",
        "summary_en": "Draft: publishing useful health statistics without identifying anyone.",
        "summary_ru": "Черновик: как публиковать полезную статистику здравоохранения, никого не раскрывая.",
        "description_en": "",
        "description_ru": "",
        "capacity": None,
        "status": Session.Status.DRAFT,
        "registration_opens_days": None,
        "speakers": [("example-timur-placeholder", SessionSpeaker.Role.SPEAKER)],
    },
]


@dataclass(frozen=True)
class DemoMFA:
    totp_secret: str
    totp_url: str
    recovery_code: str


@dataclass(frozen=True)
class DemoResult:
    series: Series
    sessions: list[Session]
    speakers: list[Speaker]
    organiser_username: str
    # The development password when it was used; None when it came from the environment.
    shown_password: str | None
    # What the demo organiser needs to pass MFA (development only; None in production).
    organiser_mfa: DemoMFA | None = None


def load_demo(*, today: dt.date | None = None) -> DemoResult:
    """Create or update the demo content and the demo organiser account.

    `today` (default: the current date in the series' zone) anchors the invented sessions.

    Side effects: upserts one series, five example speakers (generating and storing photos for
    those without one, through the photo pipeline), seven sessions with their speaker links and
    materials, and the `organiser` staff user in the Organisers group; sets the user's password
    when it does not already match. Raises `ValidationError` if the password from the
    environment fails the password validators, and changes nothing then. Outside production,
    also gives the organiser a verified email address (sign-in by code), a TOTP authenticator with
    the known `DEV_ORGANISER_TOTP_SECRET` and recovery codes (staff need MFA for the admin); in
    production (`load_demo --force`) no known second factor is ever created.
    """
    zone = zoneinfo.ZoneInfo(SERIES_ZONE)
    today = today or timezone.now().astimezone(zone).date()
    with translation.override("en"), transaction.atomic():
        series = _load_series()
        speakers = {data["slug"]: _load_speaker(data) for data in SPEAKERS}
        sessions = [_load_first_session(series, speakers, zone)]
        sessions += [_load_upcoming_session(series, speakers, zone, today, data) for data in UPCOMING_SESSIONS]
        username, shown_password = _load_organiser()
        organiser_mfa = None if settings.IS_PRODUCTION else _load_organiser_mfa(username)
    return DemoResult(
        series=series,
        sessions=sessions,
        speakers=list(speakers.values()),
        organiser_username=username,
        shown_password=shown_password,
        organiser_mfa=organiser_mfa,
    )


def _load_series() -> Series:
    data = dict(SERIES)
    series, _created = Series.objects.update_or_create(slug=data.pop("slug"), defaults=data)
    series.full_clean()
    return series


def _load_speaker(data: dict) -> Speaker:
    fields = {key: value for key, value in data.items() if key not in {"slug", "colour", "initials"}}
    speaker, _created = Speaker.objects.update_or_create(slug=data["slug"], defaults={**fields, "is_example": True})
    speaker.full_clean()
    if not speaker.photo or not speaker.photo.storage.exists(speaker.photo.name):
        avatar = ContentFile(_render_avatar(data["initials"], data["colour"]), name="avatar.png")
        set_speaker_photo(speaker=speaker, upload=avatar)
    return speaker


def _load_first_session(series: Series, speakers: dict[str, Speaker], zone: zoneinfo.ZoneInfo) -> Session:
    data = FIRST_SESSION
    starts_at = _at(data["date"], data["start"], zone)
    fields = {key: data[key] for key in ("title_en", "title_ru", "summary_en", "summary_ru")}
    fields |= {key: data[key] for key in ("description_en", "description_ru", "capacity", "status")}
    session = _upsert_session(
        series,
        data["slug"],
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=data["minutes"]),
        registration_opens_at=_at(data["registration_opens_on"], dt.time(9, 0), zone),
        join_url="",
        **fields,
    )
    _link_speakers(session, speakers, data["speakers"])
    _reset_materials(session, data["materials"])
    return session


def _load_upcoming_session(
    series: Series, speakers: dict[str, Speaker], zone: zoneinfo.ZoneInfo, today: dt.date, data: dict
) -> Session:
    starts_at = _at(today + dt.timedelta(days=data["days"]), dt.time(13, 0), zone)
    opens_days = data["registration_opens_days"]
    text_keys = ["title", "summary", "description", "cancellation_note"]
    fields = {f"{key}_{lang}": data.get(f"{key}_{lang}", "") for key in text_keys for lang in ("en", "ru")}
    session = _upsert_session(
        series,
        data["slug"],
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=data["minutes"]),
        registration_opens_at=(
            None if opens_days is None else _at(today + dt.timedelta(days=opens_days), dt.time(9, 0), zone)
        ),
        join_url=f"https://meet.example.org/j/example-{data['slug']}",
        capacity=data["capacity"],
        status=data["status"],
        **fields,
    )
    _link_speakers(session, speakers, data["speakers"])
    _reset_materials(session, [])
    return session


def _upsert_session(series: Series, slug: str, **fields) -> Session:
    defaults = {
        "series": series,
        "timezone": SERIES_ZONE,
        "floor_language": "en",
        "interpretation_languages": ["ru"],
        "registration_closes_at": None,
        "recording_url": "",
        "cancellation_note_en": "",
        "cancellation_note_ru": "",
        **fields,
    }
    session, _created = Session.objects.update_or_create(slug=slug, defaults=defaults)
    session.full_clean()
    return session


def _link_speakers(session: Session, speakers: dict[str, Speaker], links: list[tuple[str, str]]) -> None:
    wanted = [speakers[slug] for slug, _role in links]
    session.speaker_links.exclude(speaker__in=wanted).delete()
    for order, (slug, role) in enumerate(links):
        SessionSpeaker.objects.update_or_create(
            session=session, speaker=speakers[slug], defaults={"role": role, "order": order}
        )


def _reset_materials(session: Session, materials: list[dict]) -> None:
    session.materials.exclude(url__in=[item["url"] for item in materials]).delete()
    for order, item in enumerate(materials):
        SessionMaterial.objects.update_or_create(
            session=session,
            url=item["url"],
            defaults={"title_en": item["title_en"], "title_ru": item["title_ru"], "order": order},
        )


def _load_organiser() -> tuple[str, str | None]:
    from_env = os.environ.get(PASSWORD_ENV, "")
    password = from_env or DEV_ORGANISER_PASSWORD
    user, _created = get_user_model().objects.update_or_create(
        username=ORGANISER_USERNAME,
        defaults={
            "email": ORGANISER_EMAIL,
            "first_name": "Demo",
            "last_name": "Organiser",
            "is_staff": True,
            "is_superuser": False,
            "is_active": True,
        },
    )
    validate_password(password, user=user)
    if not user.check_password(password):
        # Only when it changed: a fresh hash (new salt) on every run would not be "the same data".
        user.set_password(password)
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=ORGANISER_GROUP))
    return user.username, None if from_env else password


def _load_organiser_mfa(username: str) -> DemoMFA:
    """Development only: a verified address, the known TOTP secret and recovery codes.

    Idempotent: an existing TOTP authenticator is kept when it holds the known secret (it is
    stored encrypted, through the MFA adapter), and existing recovery codes are kept.
    """
    from allauth.account.models import EmailAddress  # noqa: PLC0415 (allauth models: only when loading)
    from allauth.mfa.adapter import get_adapter  # noqa: PLC0415
    from allauth.mfa.models import Authenticator  # noqa: PLC0415
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes  # noqa: PLC0415
    from allauth.mfa.totp.internal.auth import TOTP  # noqa: PLC0415
    from allauth.mfa.utils import decrypt  # noqa: PLC0415

    if settings.IS_PRODUCTION:
        raise RuntimeError("A known second factor is never created in production.")
    user = get_user_model().objects.get(username=username)
    EmailAddress.objects.update_or_create(
        user=user, email=ORGANISER_EMAIL, defaults={"verified": True, "primary": True}
    )
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is None or decrypt(totp.data["secret"]) != DEV_ORGANISER_TOTP_SECRET:
        if totp is not None:
            totp.delete()
        TOTP.activate(user, DEV_ORGANISER_TOTP_SECRET)
    codes = RecoveryCodes.activate(user).get_unused_codes()
    return DemoMFA(
        totp_secret=DEV_ORGANISER_TOTP_SECRET,
        totp_url=get_adapter().build_totp_url(user, DEV_ORGANISER_TOTP_SECRET),
        recovery_code=codes[0] if codes else "",
    )


def _at(day: dt.date, time: dt.time, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The UTC instant of a wall-clock time in `zone`."""
    return dt.datetime.combine(day, time, tzinfo=zone).astimezone(dt.UTC)


def _render_avatar(initials: str, colour: tuple[int, int, int]) -> bytes:
    """A plain square avatar: the initials in white on a muted colour, as PNG bytes."""
    from PIL import Image, ImageDraw, ImageFont  # noqa: PLC0415 (only the demo draws images)

    side = 600
    image = Image.new("RGB", (side, side), colour)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=240)
    draw.text((side / 2, side / 2), initials, fill=(255, 255, 255), font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()
