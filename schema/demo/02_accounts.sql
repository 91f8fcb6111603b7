-- Demo accounts for Neustadt. Every password is "neustadt-demo" (scrypt, N = 2^17, r = 8, p = 1,
-- a salt of its own per account). Demo only: never load this file into a real installation.
-- Idempotent: fixed ids, ON CONFLICT DO NOTHING.

INSERT INTO account (id, login, display_name, password_hash, role, node_id, network_ids) VALUES
    ('60000000-0000-4000-8000-000000000001', 'admin', 'Systemverwaltung Neustadt',
     '$scrypt$ln=17,r=8,p=1$EZwblFs5OSudgudu6vKm4g$3PXh0BO5KgJp5lgGhmeUOxQWxX2hxD4sULEXPsyOEF8',
     'admin', NULL, '{}'),
    ('60000000-0000-4000-8000-000000000002', 'koordination', 'Netzwerkkoordination Neustadt',
     '$scrypt$ln=17,r=8,p=1$x12WdyoFJFlW0vKHIeOHwg$0fhjk3hGxQNgqtyJqjZ8pLcAkSoYkXyg4ur/KVmnonY',
     'coordinator', NULL, '{40000000-0000-4000-8000-000000000001}'),
    ('60000000-0000-4000-8000-000000000003', 'jobcenter', 'Jobcenter Neustadt, Team Alleinerziehende',
     '$scrypt$ln=17,r=8,p=1$LOioZo/p5HDQNPVbxOxwlg$5pqnFA84w5oULLiuy2UKlKnq/GznAxy03h4Vebvd5QQ',
     'caseworker', '20000000-0000-4000-8000-000000000002', '{}'),
    ('60000000-0000-4000-8000-000000000004', 'schuldnerberatung', 'Caritas Schuldnerberatung Neustadt',
     '$scrypt$ln=17,r=8,p=1$3c4jWp8NO/TPPh3bpwo7xg$Lcb3SzvSKkL364NASQ4LbLukGrQ/Ueh6hhIBBk/oRfk',
     'caseworker', '20000000-0000-4000-8000-000000000007', '{}'),
    ('60000000-0000-4000-8000-000000000005', 'jugendamt', 'Jugendamt Neustadt',
     '$scrypt$ln=17,r=8,p=1$DLtLJEdXuRJNLWsc8Pb2jQ$M5F55B95Xkw2vlCYENPoEd0n7ysGGNbETRPB3Of+6jU',
     'caseworker', '20000000-0000-4000-8000-000000000005', '{}'),
    ('60000000-0000-4000-8000-000000000006', 'suchtberatung', 'Diakonie Suchtberatung Neustadt',
     '$scrypt$ln=17,r=8,p=1$Ee1l/cTcw/dJQ7leOLiOVw$nqEScd55+nNRdZWGlWTpMk9LaNnZW54iydozxTlktxk',
     'caseworker', '20000000-0000-4000-8000-000000000008', '{}'),
    ('60000000-0000-4000-8000-000000000007', 'auditor', 'Datenschutzbeauftragte der Stadt Neustadt',
     '$scrypt$ln=17,r=8,p=1$AOO0USgwdt57yqy6L9uHYA$q/EtZlLy2EF6mMtwlEY2L6SULGRJEKdmywJ1W9vWCHE',
     'auditor', NULL, '{}'),
    ('60000000-0000-4000-8000-000000000008', 'jobcenter-u25', 'Jobcenter Neustadt, Team U25',
     '$scrypt$ln=17,r=8,p=1$8ZBEThHCiI+7hOzuUfoQMA$wXSxhWbC1GQNLTdvx+Dh7wq/psSfO1BSAGsUz4I0OTI',
     'caseworker', '20000000-0000-4000-8000-000000000001', '{}'),
    ('60000000-0000-4000-8000-000000000009', 'jobcenter-sucht', 'Jobcenter Neustadt, Team Reha/Sucht',
     '$scrypt$ln=17,r=8,p=1$GYPWa5cTQ5hBJLRCYhYe+g$wvTqv98uV7TAg2SiJxZQQmwGgVKaMfKO0oHZUxtlIPI',
     'caseworker', '20000000-0000-4000-8000-000000000003', '{}'),
    -- A colleague in Team Alleinerziehende: someone to hand a case to, a deputy, a stand-in.
    ('60000000-0000-4000-8000-000000000010', 'jobcenter-kollegin',
     'Jobcenter Neustadt, Team Alleinerziehende (Kollegin)',
     '$scrypt$ln=17,r=8,p=1$Jb4E7AoNCXG2KSZQtIywag$67P1UtWCvBqhhBfiig1A/rhsPr3loMt3lpk6QOT3Klo',
     'caseworker', '20000000-0000-4000-8000-000000000002', '{}')
ON CONFLICT DO NOTHING;
