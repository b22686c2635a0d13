"""Smoke test of the bindings through uniffi's Python bindings: the same
story as tests/kotlin/Main.kt in fewer lines. Run by scripts/bindings-test.sh:
    python3 test_agent.py <cli-sim binary> <schemas folder>"""
import json, os, shutil, socket, sqlite3, sys, tempfile, threading, time, subprocess, urllib.request
from agent_ffi import android_bindings as ab
from agent_ffi.agent_core import AgentError, DeliveryState, Destination, Severity

cli_sim, schemas = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="agent-python-")
forms, facilities = os.path.join(work, "forms"), os.path.join(work, "facilities.json")
shutil.copytree(os.path.join(schemas, "forms"), forms)
shutil.copy(os.path.join(schemas, "facilities", "example.json"), facilities)

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

def admin(url, path, body=None):
    req = urllib.request.Request(url + path, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req, timeout=5))

def start(kind):
    port = free_port(); url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([cli_sim, "mock", kind, "--port", str(port), "--forms", forms,
                             "--facilities", facilities], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    for _ in range(600):
        try: admin(url, "/__admin/stats"); return proc, url
        except OSError: time.sleep(0.05)
    raise SystemExit(f"cli-sim mock {kind} never answered")

class Keystore:
    calls = 0
    def dhis2(self):
        Keystore.calls += 1; return ab.Dhis2Credentials.BASIC(username="admin", password="district")
    def lmis(self):
        Keystore.calls += 1
        return ab.LmisCredentials(client_id="user-client", client_secret="changeme", username="administrator", password="password")

def draft(facility, **change):
    # The example file is read here, in Python; what crosses the FFI is the typed record.
    d = json.load(open(os.path.join(schemas, "examples", "draft-chw-valid.json")))
    d.update(facility=facility, **change)
    return ab.Draft(form=d["form"], facility=d["facility"], period=d["period"], service=d["service"],
                    stock={k: ab.StockEntry(**v) for k, v in d["stock"].items()}, comment=d.get("comment"))

def sync_until_done(agent):
    for _ in range(12):
        r = agent.sync(30_000, False)
        if r.done: return r
        time.sleep(min(3, max(0.05, ((r.call_again_at_ms or 0) - time.time() * 1000) / 1000)))
    raise SystemExit(f"sync never finished: {r}")

def delivered(agent, id):
    st = agent.status(id)
    assert st.overall == DeliveryState.DELIVERED, st
    assert [d.destination for d in st.destinations] == [Destination.DHIS2, Destination.LMIS], st

(p1, dhis2), (p2, lmis) = start("dhis2"), start("lmis")
try:
    settings = lambda db: ab.AgentSettings(database_path=db, forms_dir=forms, facilities_path=facilities,
                                           dhis2=ab.Dhis2Endpoint(url=dhis2), lmis=ab.LmisEndpoint(url=lmis))
    agent = ab.Agent.open(settings(os.path.join(work, "outbox.sqlite")), Keystore())
    assert any(f.id == "chw-monthly" and f.fields and f.products for f in agent.forms())
    receipt = agent.submit(draft("HP-001"), True)
    # What to order crosses the FFI as records. RDT: 60 used with 4 days out of
    # stock -> ceil(60 × 30 / 26) = 70 a month; 45 left; order 70 × 3 − 45 = 165.
    rdt = next(a for a in receipt.resupply if a.product == "RDT")
    assert (rdt.average_monthly_consumption, rdt.suggested_quantity, rdt.short_history) == (70, 165, True), rdt
    # The next month, the same numbers: 2026-10 comes from the outbox; 45 / 70 = 0.6 months, below 1.
    checked = agent.validate_with_resupply(draft("HP-001", period="2026-11"))
    rdt = next(a for a in checked.resupply if a.product == "RDT")
    assert [p.period for p in rdt.periods] == ["2026-10", "2026-11"] and rdt.months_of_stock == 0.6, rdt
    assert rdt.stockout_risk and rdt.formula, rdt
    assert any(f.code == "stockout_risk" and f.path == "stock.RDT.closing_balance" for f in checked.findings), checked.findings
    try:
        agent.submit(draft("HP-001", period="2026-09", service={"malaria_rdt_positive": -5}), True)
        raise SystemExit("expected AgentError.InvalidDraft")
    except AgentError.InvalidDraft as e:
        assert any(f.path == "service.malaria_rdt_positive" and f.severity == Severity.ERROR for f in e.findings), e

    # Issue 15: findings in the user's language, French then Swahili; the id
    # and arguments cross too. Hand-written from agent-core/locales/*/findings.ftl.
    fr_text = "La formation sanitaire « HP-404 » n'est pas dans la liste de cette tablette."
    sw_text = "Kituo 'HP-404' hakipo kwenye orodha ya vituo ya kifaa hiki."
    assert agent.set_locale("fr") and agent.locale() == "fr"
    fr = next(f for f in agent.validate(draft("HP-404")) if f.path == "facility")
    assert fr.message.startswith(fr_text) and fr.text.id == "finding-facility-unknown", fr
    assert agent.set_locale("sw")
    sw = next(f for f in agent.validate(draft("HP-404")) if f.path == "facility")
    assert sw.message.startswith(sw_text), sw.message
    assert ab.render_message(sw.text, "fr") == fr.message
    # An error's message crosses too: id, arguments and text in the agent's
    # language (hand-written from agent-core/locales/sw/errors.ftl).
    try: agent.status("no-such-form"); raise SystemExit("expected UnknownSubmission")
    except AgentError.UnknownSubmission as e: unknown = e
    shown = agent.error_message(unknown)
    assert shown.message.id == "error-unknown-submission", shown
    assert [a.name for a in shown.message.args] == ["id"], shown
    assert shown.text == "hakuna fomu yenye namba no-such-form kwenye sanduku la kutuma; hakikisha namba kwa `status`", shown
    assert ab.error_message(unknown, "en").text == "no form with id no-such-form is in the outbox; check the id with `status`"
    assert not agent.set_locale("de") and agent.locale() == "en"
    on_open = ab.Agent.open(ab.AgentSettings(database_path=os.path.join(work, "sw.sqlite"), forms_dir=forms,
                                             facilities_path=facilities, locale="sw"), Keystore())
    assert next(f for f in on_open.validate(draft("HP-404")) if f.path == "facility").message.startswith(sw_text)

    sync_until_done(agent)
    delivered(agent, receipt.id)
    assert Keystore.calls >= 2, Keystore.calls

    # A submit while a sync runs on another thread (slow servers) completes promptly.
    for url in (dhis2, lmis): admin(url, "/__admin/faults", {"latency_ms": 1000})
    second = agent.submit(draft("HP-002"), True)
    worker = threading.Thread(target=lambda: agent.sync(120_000, False)); worker.start()
    while sum(admin(u, "/__admin/stats")["in_flight"] for u in (dhis2, lmis)) == 0: time.sleep(0.005)
    t0 = time.monotonic(); third = agent.submit(draft("HP-003"), True); took = time.monotonic() - t0
    assert worker.is_alive(), "the sync ended before the submit: nothing proved"  # speed is not asserted (issue 13)
    agent.cancel_sync(); worker.join()
    for url in (dhis2, lmis): admin(url, "/__admin/faults", {})
    sync_until_done(agent)
    for r in (second, third): delivered(agent, r.id)

    # Forced failures: typed errors and a panic, never a crash.
    newer = os.path.join(work, "newer.sqlite")
    sqlite3.connect(newer).execute("PRAGMA user_version = 999").connection.close()
    try: ab.Agent.open(settings(newer), Keystore()); raise SystemExit("expected DatabaseTooNew")
    except AgentError.DatabaseTooNew as e: assert e.found == 999, e
    # A damaged outbox: moved aside, kept, and in the health record until acknowledged.
    os.mkdir(os.path.join(work, "damaged"))
    broken = os.path.join(work, "damaged", "outbox.sqlite")
    with open(broken, "wb") as f: f.write(b"not a database " * 100)
    hurt = ab.Agent.open(settings(broken), Keystore())
    copies = hurt.outbox_health().damaged_copies
    assert len(copies) == 1 and copies[0].path.startswith(broken + ".damaged-"), copies
    assert f"sqlite3 {copies[0].path} .recover" in copies[0].message, copies
    assert [c.path for c in hurt.acknowledge_damaged_copies()] == [copies[0].path]
    assert hurt.outbox_health().damaged_copies == [] and os.path.getsize(copies[0].path) == 1500
    # Issue 17: stranded() and compact() cross the FFI, with the retention settings.
    assert agent.stranded() is None and agent.compact() == 0  # all delivered today: kept whole
    renamed = os.path.join(work, "renamed.json")
    with open(facilities) as f: text = f.read()
    with open(renamed, "w") as f: f.write(text.replace('"HP-001"', '"KAL-001"'))
    moved = lambda m: ab.Agent.open(ab.AgentSettings(database_path=os.path.join(work, "moved.sqlite"), forms_dir=forms,
                                                     facilities_path=m, keep_delivered_days=31, keep_exchanges_days=30), Keystore())
    first = moved(facilities); moved_id = first.submit(draft("HP-001"), True).id; del first
    s = moved(renamed).stranded()
    assert s.forms == 1 and s.export_command.startswith("cli-sim export --unsent") and s.export_command in s.message, s
    assert s.reasons == ["the facility 'HP-001' is no longer in the facility map (1 form)"], s.reasons
    try: ab.Agent.open(ab.AgentSettings(database_path=os.path.join(work, "moved.sqlite"), forms_dir=forms,
                                        facilities_path=facilities, keep_exchanges_days=731), Keystore()); raise SystemExit("expected Config")
    except AgentError.Config as e: assert "storage.keep_exchanges_days = 731 is not allowed" in str(e), e
    try: agent.test_support_panic("deliberate panic from Python"); raise SystemExit("expected InternalError")
    except ab.InternalError as e: panic = e
    assert agent.outbox_health().submissions == 3
    print(f"PYTHON OK: submit during sync {took * 1000:.0f} ms; panic -> InternalError({panic}); {agent.outbox_health().submissions} forms delivered")
finally:
    for p in (p1, p2): p.terminate(); p.wait(5)
