"""The officers' web app under ``/petugas/``: server-rendered pages in Bahasa Indonesia over the
same services as the JSON API (login, inbox, case page, a form for every step, leaders' summary).

Modules: ``templating`` (the Jinja2 environment and ``render``), ``session`` (the session cookie,
CSRF, ``OfficerFromSession``), ``pages`` (the page route class: errors as pages), ``masuk`` (login
and logout), ``tugas`` (the inbox, claims and delegation), ``kasus`` (the case page and its
forms), ``formulir`` (a step's form from its body model), ``naskah`` (the texts a case produced),
``usulan`` (a new Trenggalek proposal), ``ringkasan`` (leaders' summary), ``peran`` (who leads)
and ``router`` (all of them, and the static files at ``/petugas/static``). The SOP flowchart
(``flowchart``, ``alur_sop``), the trail in words (``trail_words``), the SOP pages
(``sop_pages``) and citizen tracking (``lacak``) are their own modules.
"""
