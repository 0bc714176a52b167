"""reply_rates: last-touch attribution within a window, censoring at the data's end, against a
brute-force reference and the simulator's truth (each inbound reply names the message it answers)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

import sentlab
from sentlab._metrics import REPLY_COLUMNS

from .. import kit
from ..kit import HISTORY_NOON as NOW
from ..kit import reply_frame, timed
from .build import messages

T0 = pd.Timestamp("2026-11-01T00:00:00Z")


def at(hours: float) -> str:
    return (T0 + pd.Timedelta(hours=hours)).isoformat()


def out(contact: str, hours: float, status: str = "DELIVERED", **extra) -> dict:
    return {"direction": "outbound", "contact_id": contact, "status": status, "created_at": at(hours - 0.01),
            "delivered_at": at(hours) if status in ("DELIVERED", "READ") else None, "channel": "sms", **extra}


def inbound(contact: str, hours: float, **extra) -> dict:
    return {"direction": "inbound", "contact_id": contact, "status": "RECEIVED", "created_at": at(hours),
            "channel": "sms", **extra}


def rate(frame: pd.DataFrame, **kwargs) -> dict:
    return sentlab.reply_rates(frame, **kwargs).to_dict("records")[0]


def test_an_inbound_answers_the_latest_delivered_message_to_its_contact_within_the_window():
    frame = messages(out("a", 0), out("a", 1), inbound("a", 1.5),           # the second one is answered
                     out("b", 0), inbound("b", 25),                          # too late: 25 h after
                     out("c", 0), out("c", 0.5, "FAILED"), inbound("c", 1),  # a failed one answers nothing
                     out("d", 0), inbound("e", 0.5),                         # another contact's reply
                     inbound("z", 200))  # the data's end: nothing is censored
    r = sentlab.reply_rates(frame)
    assert r.loc[0, ["outbound", "delivered", "censored", "n", "replied", "replies"]].tolist() == [6, 5, 0, 5, 2, 2]
    assert r.loc[0, "reply_rate"] == pytest.approx(2 / 5)
    answered = frame.assign(row=range(len(frame)))
    assert sentlab.reply_rates(answered, by="row").set_index("row")["replied"].to_dict() == {
        0: 0, 1: 1, 3: 0, 5: 1, 6: 0, 8: 0}


def test_a_reply_at_the_same_instant_as_the_delivery_is_not_an_answer_to_it():
    frame = messages(out("a", 1), inbound("a", 1), inbound("z", 100))
    assert rate(frame)["replied"] == 0


def test_messages_delivered_less_than_a_window_before_the_data_ends_are_censored():
    frame = messages(out("a", 0), inbound("a", 1), out("b", 90), inbound("b", 91), out("c", 99))
    got = rate(frame)  # the data ends at the last created_at: 99 h
    assert (got["n"], got["censored"], got["replied"]) == (1, 2, 1)
    assert rate(frame, as_of=T0 + pd.Timedelta(hours=200))["n"] == 3
    assert rate(frame, window="2h")["n"] == 2  # b's 2-hour window closed at 92 h
    assert rate(frame, window=timedelta(hours=2))["n"] == 2


def test_a_conversation_is_a_contact_within_a_profile():
    frame = messages(out("a", 0, profile_id="p1"), inbound("a", 1, profile_id="p2"), inbound("z", 100))
    assert rate(frame)["replied"] == 0
    assert rate(frame.drop(columns="profile_id"))["replied"] == 1


def test_no_messages_gives_the_declared_columns_and_dtypes():
    empty = sentlab.build_frame("messages", [])
    assert list(sentlab.reply_rates(empty).columns) == list(REPLY_COLUMNS)
    by = sentlab.reply_rates(empty, by="channel")
    assert list(by.columns) == ["channel", *REPLY_COLUMNS] and len(by) == 0
    overall = sentlab.reply_rates(empty)
    assert overall.loc[0, "n"] == 0 and np.isnan(overall.loc[0, "reply_rate"])
    full = sentlab.reply_rates(messages(out("a", 0), inbound("a", 1), inbound("z", 48)), by="channel")
    for frame in (by, full):
        assert {c: str(frame[c].dtype) for c in REPLY_COLUMNS if c.startswith("reply_rate") and "_n" not in c
                and "_d" not in c} == {"reply_rate": "float64", "reply_rate_low": "float64", "reply_rate_high": "float64"}
        assert all(str(frame[c].dtype) == "int64" for c in ("outbound", "delivered", "censored", "n", "replied",
                                                              "replies", "reply_rate_numerator", "reply_rate_denominator"))
    assert str(full["channel"].dtype) == "category"
    untimed = rate(messages({"direction": "outbound", "status": "DELIVERED", "contact_id": "a"}))
    assert (untimed["delivered"], untimed["n"], untimed["censored"]) == (1, 0, 0)  # no time: no window to close


@pytest.mark.parametrize("window", ["soon", "-1h", 0, True, None, "0s"])
def test_a_window_that_is_not_a_positive_duration_is_refused(window):
    with pytest.raises(sentlab.ConfigurationError, match="window"):
        sentlab.reply_rates(messages(out("a", 0)), window=window)


def test_a_frame_without_contacts_is_refused():
    with pytest.raises(sentlab.ConfigurationError, match="contact_id"):
        sentlab.reply_rates(messages(out("a", 0)).drop(columns="contact_id"))


def brute_force(frame: pd.DataFrame, by: list[str], window: pd.Timedelta) -> pd.DataFrame:
    """The definition read literally, one message at a time."""
    rows = frame.to_dict("records")
    end = max(r["created_at"] for r in rows)

    def reached(r):
        for c in ("delivered_at", "read_at", "sent_at", "created_at"):
            if pd.notna(r.get(c)):
                return r[c]

    party = lambda r: (r["contact_id"], r.get("profile_id"))  # noqa: E731
    delivered = [r for r in rows if r["direction"] == "outbound" and r["status"] in ("DELIVERED", "READ")
                 and pd.notna(r["contact_id"])]
    answered: dict[str, int] = {}
    for r in rows:
        if r["direction"] != "inbound" or pd.isna(r["contact_id"]):
            continue
        before = [d for d in delivered if party(d) == party(r) and reached(d) < r["created_at"]]
        if before:
            latest = max(before, key=reached)
            if r["created_at"] - reached(latest) <= window:
                answered[latest["id"]] = answered.get(latest["id"], 0) + 1
    table = {}
    for d in delivered:
        if reached(d) <= end - window:
            n, k = table.get(tuple(d[b] for b in by), (0, 0))
            table[tuple(d[b] for b in by)] = (n + 1, k + (d["id"] in answered))
    return pd.DataFrame([(*key, n, k) for key, (n, k) in table.items()], columns=[*by, "n", "replied"])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_vectorised_rates_equal_a_brute_force_reading_of_the_definition(seed):
    rng = np.random.default_rng(seed)
    rows = 600
    contact = rng.choice([f"c{i}" for i in range(40)], rows)
    inbound_row = rng.random(rows) < 0.3
    hours = np.round(rng.uniform(0, 24 * 6, rows), 1)  # rounded: ties between rows happen
    status = rng.choice(["DELIVERED", "READ", "FAILED", "SENT", "BLOCKED"], rows, p=[0.5, 0.2, 0.1, 0.1, 0.1])
    records = [inbound(c, h, channel=ch, profile_id=p) if i else
               out(c, h, s, channel=ch, profile_id=p, template_name=t, region_code=g)
               for c, h, s, i, ch, p, t, g in zip(contact, hours, status, inbound_row,
                                                  rng.choice(["sms", "whatsapp"], rows), rng.choice(["p1", "p2"], rows),
                                                  rng.choice(["t1", "t2", "t3"], rows), rng.choice(["US", "GB"], rows),
                                                  strict=True)]  # fmt: skip
    frame = messages(*records)
    frame.loc[frame.index[:5], "contact_id"] = None
    for window, by in (("24h", ["channel"]), ("6h", ["template_name", "channel"]), ("72h", ["region_code"])):
        got = sentlab.reply_rates(frame, by=by, window=window)
        got = got[got["n"] > 0].reset_index(drop=True)
        expected = brute_force(frame, by, pd.Timedelta(window)).sort_values(by, ignore_index=True)
        assert got[[*by, "n", "replied"]].astype({b: str for b in by}).to_dict("records") == \
            expected.astype({b: str for b in by}).to_dict("records"), window


def test_a_quarter_million_rows_take_well_under_seconds_each():
    # benchmarks/reply_rates_scale.py times a million rows (about 2 s here, 2 cores)
    frame = reply_frame(250_000)
    seconds, out = timed(sentlab.reply_rates, frame, by="channel")
    assert seconds < 10  # about 0.5 s; generous for a loaded machine
    assert out["n"].sum() > 130_000 and out["replied"].sum() > 0


# -- against the simulator's truth ---------------------------------------------------------------

@pytest.fixture(scope="module")
def pulled(make_world, tmp_path_factory):
    world = make_world(seed=21, contacts=1_500, messages=8_000, profiles=2, calls=0, at=NOW)
    with kit.make_lab(world, cache_dir=tmp_path_factory.mktemp("store")) as lab:
        yield world, lab.messages()


def test_reply_rates_match_the_simulators_replies_and_its_reply_share(pulled):
    world, frame = pulled
    answered_ids = {m["reply_to"] for m in world.truth.messages() if m["reply_to"]}
    got = sentlab.reply_rates(frame, by="channel").set_index("channel")
    rows = frame[(frame["direction"] == "outbound") & frame["status"].isin(["DELIVERED", "READ"])]
    reached = rows["delivered_at"].fillna(rows["read_at"])
    end = frame["created_at"].max()
    counted = rows[reached <= end - pd.Timedelta("24h")]
    truth = counted.assign(replied=counted["id"].isin(answered_ids)).groupby("channel", observed=True)["replied"]
    assert int(got["n"].sum()) == len(counted)
    for channel, share in world.truth.params.reply_share.items():
        if channel not in got.index or got.loc[channel, "n"] < 200:
            continue
        row = got.loc[channel]
        # The metric sees only what the API shows: an unprompted inbound message within 24 h of a
        # delivery counts as an answer, a reply after the contact's next delivery answers that one.
        assert row["reply_rate"] == pytest.approx(truth.mean()[channel], abs=0.006), channel
        assert row["reply_rate_low"] <= share <= row["reply_rate_high"], channel
