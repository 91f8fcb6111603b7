"""The web app keeps a copy of the handover table (which side may make which move from which
status, and the reason codes each move takes) until the API reports the moves itself; it must
agree exactly with lib/referral.c, the table everything else reads."""
import os
import re

SOURCE_DIR = os.environ.get("PNET_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LIB = os.path.join(SOURCE_DIR, "lib", "referral.c")
WEB = os.path.join(SOURCE_DIR, "clients", "web", "src", "views", "referrals.js")
STATUSES = ["sent", "received", "waitlisted", "accepted", "declined", "in_progress",
            "completed", "dropped_out", "withdrawn"]


def lib_table():
    """(to, side) -> set of sources, and to -> reason codes, from lib/referral.c."""
    src = open(LIB).read()
    arrays = {name: re.findall(r'"([a-z_]+)"', body) for name, body in
              re.findall(r"static const char \*const (\w+)\[\] = \{(.*?)\};", src, re.S)}
    moves, reasons = {}, {}
    for to, body in re.findall(r"\[REFERRAL_(\w+)\] = \{(.*?)\}\},", src, re.S):
        to = to.lower()
        move = body[body.index("{REFERRAL_"):]
        sources = {s.lower() for s in re.findall(r"BIT\(REFERRAL_(\w+)\)", move)}
        side = "sender" if re.search(r"\bSENDER\b", move) else "receiver"
        moves[(to, side)] = sources
        named = re.search(r"REFERRAL_(?:REQUIRED|OPTIONAL), (\w+)\s*$", move)
        if named:
            reasons[to] = arrays[named.group(1)]
    return moves, reasons


def web_table():
    src = open(WEB).read()

    def obj(name):
        body = re.search(name + r" = \{(.*?)\n\};", src, re.S).group(1)
        return {k: re.findall(r'"([a-z_]+)"', v) for k, v in re.findall(r"(\w+): \[([^\]]*)\]", body)}
    moves = {}
    for side, name in [("receiver", "RECEIVER_MOVES"), ("sender", "SENDER_MOVES")]:
        for frm, tos in obj(name).items():
            for to in tos:
                moves.setdefault((to, side), set()).add(frm)
    return moves, obj("REASONS")


def test_the_web_apps_moves_are_lib_referral_cs():
    lib_moves, lib_reasons = lib_table()
    web_moves, web_reasons = web_table()
    lib_moves = {k: v for k, v in lib_moves.items() if v}  # "sent" is made, not moved into
    assert set(lib_moves) == {(to, side) for to, side in lib_moves if to in STATUSES}
    assert web_moves == lib_moves
    assert web_reasons == lib_reasons
    assert "consent_revoked" in web_reasons["withdrawn"]
