// The Kotlin side of the bindings, on the JVM with JNA, as the Android app
// would use them: from an empty folder, record one valid and one invalid
// form, sync to a simulated DHIS2 and a simulated OpenLMIS that this program
// starts (`cli-sim mock dhis2` / `cli-sim mock lmis`), and check the typed
// results, the credential callback, the typed errors, a Rust panic arriving
// as an exception, and a submit while a sync runs on a worker thread.
//
// System properties: cli.sim (path of the cli-sim binary), schemas.dir (the
// repository's schemas/ folder). Run by scripts/bindings-test.sh.

import org.healthsync.agent.Agent
import org.healthsync.agent.AgentSettings
import org.healthsync.agent.CredentialProvider
import org.healthsync.agent.Dhis2Credentials
import org.healthsync.agent.Dhis2Endpoint
import org.healthsync.agent.Draft
import org.healthsync.agent.CallbackException
import org.healthsync.agent.InternalException
import org.healthsync.agent.LogLevel
import org.healthsync.agent.LogSink
import org.healthsync.agent.OutboxListener
import org.healthsync.agent.SyncObserver
import org.healthsync.agent.setLogSink
import org.healthsync.agent.platformTlsReady
import org.healthsync.agent.renderMessage
import org.healthsync.agent.supportedLocales
import org.healthsync.agent.LmisCredentials
import org.healthsync.agent.LmisEndpoint
import org.healthsync.agent.StockEntry
import org.healthsync.agent.SyncReport
import org.healthsync.agent.core.AgentException
import org.healthsync.agent.core.DeliveryState
import org.healthsync.agent.core.Destination
import org.healthsync.agent.core.HoldKind
import org.healthsync.agent.core.LastErrorKind
import org.healthsync.agent.core.NoteKind
import org.healthsync.agent.core.OutboxChange
import org.healthsync.agent.core.SyncProgress
import org.healthsync.agent.core.PeriodType
import org.healthsync.agent.core.Severity
import java.io.File
import java.net.HttpURLConnection
import java.net.ServerSocket
import java.net.URI
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread

/** The app's Keystore, in a test: counts calls; can be made to fail. */
class Keystore : CredentialProvider {
    val calls = AtomicInteger()
    @Volatile var dhis2Password = "district"
    @Volatile var failWith: RuntimeException? = null

    override fun dhis2(): Dhis2Credentials? {
        calls.incrementAndGet()
        failWith?.let { throw it }
        return Dhis2Credentials.Basic(username = "admin", password = dhis2Password)
    }

    override fun lmis(): LmisCredentials? {
        calls.incrementAndGet()
        return LmisCredentials(
            clientId = "user-client", clientSecret = "changeme",
            username = "administrator", password = "password",
        )
    }
}

fun step(what: String) = println("-- $what")

/** The app's logcat, in a test: keeps every line. */
class Logcat : LogSink {
    val lines = java.util.concurrent.CopyOnWriteArrayList<String>()
    override fun log(level: LogLevel, target: String, message: String) {
        lines.add("$level $target $message")
    }
}

/** The app's outbox observer: keeps every change with the time it came. */
class Changes : OutboxListener {
    val seen = java.util.concurrent.CopyOnWriteArrayList<Pair<Long, OutboxChange>>()
    override fun onChange(change: OutboxChange) {
        seen.add(System.nanoTime() to change)
    }
}

/** A worker's progress display and stop signal (WorkManager's isStopped). */
class Progress(@Volatile var stopped: Boolean = false) : SyncObserver {
    val events = java.util.concurrent.CopyOnWriteArrayList<SyncProgress>()
    val asked = AtomicInteger()
    override fun onProgress(progress: SyncProgress) { events.add(progress) }
    override fun isCancelled(): Boolean { asked.incrementAndGet(); return stopped }
}

val logcat = Logcat()

fun freePort(): Int = ServerSocket(0).use { it.localPort }

fun http(method: String, url: String, body: String? = null): Pair<Int, String> {
    val c = URI(url).toURL().openConnection() as HttpURLConnection
    c.requestMethod = method
    c.connectTimeout = 2000
    c.readTimeout = 5000
    if (body != null) {
        c.doOutput = true
        c.setRequestProperty("Content-Type", "application/json")
        c.outputStream.use { it.write(body.toByteArray()) }
    }
    val code = c.responseCode
    val text = (if (code < 400) c.inputStream else c.errorStream)?.bufferedReader()?.readText() ?: ""
    c.disconnect()
    return code to text
}

/** A simulated server started by this program; stopped at the end. */
class Mock(cliSim: String, kind: String, forms: Path, facilities: Path, dir: Path) {
    val port = freePort()
    val url = "http://127.0.0.1:$port"
    private val log = dir.resolve("mock-$kind.log").toFile()
    val process: Process = ProcessBuilder(
        cliSim, "mock", kind, "--port", "$port",
        "--forms", "$forms", "--facilities", "$facilities",
    ).redirectErrorStream(true).redirectOutput(log).start()

    /** Waits until the server answers its admin route. */
    fun waitUntilAnswering() {
        val deadline = System.nanoTime() + 30_000_000_000L
        while (true) {
            check(process.isAlive) { "cli-sim mock exited: ${log.readText()}" }
            val ok = try { http("GET", "$url/__admin/stats").first == 200 } catch (e: java.io.IOException) { false }
            if (ok) return
            check(System.nanoTime() < deadline) { "the simulated server on $port never answered" }
            Thread.sleep(50)
        }
    }

    fun latency(ms: Int) = check(http("POST", "$url/__admin/faults", """{"latency_ms": $ms}""").first == 200)

    fun inFlight(): Long {
        val (_, body) = http("GET", "$url/__admin/stats")
        return Regex("\"in_flight\"\\s*:\\s*(\\d+)").find(body)?.groupValues?.get(1)?.toLong() ?: 0
    }

    fun stop() {
        process.destroy()
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroyForcibly()
    }
}

/** The example valid draft (schemas/examples/draft-chw-valid.json), typed. */
fun validDraft(facility: String) = Draft(
    form = "chw-monthly",
    facility = facility,
    period = "2026-10",
    service = mapOf(
        "malaria_suspected" to 62L, "malaria_rdt_tested" to 58L, "malaria_rdt_positive" to 31L,
        "malaria_treated_act_u5" to 12L, "malaria_treated_act_5plus" to 17L,
        "diarrhoea_u5_ors_zinc" to 9L, "pneumonia_u5_amoxicillin" to 7L,
        "fp_dmpa_sc" to 24L, "fp_implant" to 3L, "fp_male_condom" to 11L,
    ),
    stock = mapOf(
        "ACT-6x1" to stock(25, 30, 12, 0, 0, 43, 0, 20),
        "ACT-6x2" to stock(30, 30, 18, 2, 0, 40, 0, 30),
        "RDT" to stock(5, 100, 60, 0, 0, 45, 4, 100),
        "ORS" to stock(60, 0, 20, 0, 0, 40, 0, 0),
        "ZINC" to stock(200, 100, 90, 0, -20, 190, 0, 0),
        "AMOX-DT" to stock(150, 100, 100, 0, 0, 150, 0, 100),
        "DMPA-SC" to stock(40, 20, 24, 0, 0, 36, 0, 20),
        "IMPLANT" to stock(6, 0, 3, 0, 0, 3, 0, 5),
        "CONDOM-M" to stock(500, 0, 220, 10, 0, 270, 0, 200),
    ),
    comment = "RDTs ran out from 4 to 7 October.",
    capturedBy = "A. Phiri",
)

fun stock(o: Long, r: Long, c: Long, l: Long, a: Long, cb: Long, so: Long, rq: Long) = StockEntry(
    openingBalance = o, received = r, consumed = c, losses = l, adjustments = a,
    closingBalance = cb, stockoutDays = so, requestedQuantity = rq,
)

fun dest(report: SyncReport, d: Destination) = report.destinations.first { it.destination == d }

/** Syncs until done, sleeping until callAgainAt (capped), as WorkManager would. */
fun syncUntilDone(agent: Agent, retryHeld: Boolean = false): SyncReport {
    var last: SyncReport? = null
    repeat(12) {
        val progress = Progress()
        val r = agent.syncObserved(budgetMs = 30_000L, observer = progress, retryHeld = retryHeld)
        checkProgress(r, progress)
        last = r
        if (r.done) return r
        val wait = ((r.callAgainAtMs ?: System.currentTimeMillis()) - System.currentTimeMillis()).coerceIn(50, 3000)
        Thread.sleep(wait)
    }
    error("sync never finished: $last")
}

/** Progress after every step that sent something (a batch, an event), the last one matching the report. */
fun checkProgress(r: SyncReport, progress: Progress) {
    check(progress.asked.get() >= 1) { "the engine never asked isCancelled" }
    for (d in r.destinations) {
        val mine = progress.events.filter { it.destination == d.destination }
        check((d.requests == 0L) == mine.isEmpty()) { "${d.destination}: ${mine.size} progress events for ${d.requests} requests" }
        check(mine.zipWithNext().all { (a, b) -> a.requests < b.requests && a.delivered <= b.delivered }) { "$mine" }
        if (mine.isNotEmpty()) check(mine.last().requests.toLong() == d.requests) { "${d.destination}: last progress ${mine.last()} vs $d" }
        if (d.delivered.isNotEmpty()) {
            check(mine.last().delivered.toInt() == d.delivered.size) { "${d.destination}: last progress ${mine.last()} vs ${d.delivered.size} delivered" }
        }
    }
}

fun assertDelivered(agent: Agent, id: String) {
    val st = agent.status(id)
    check(st.overall == DeliveryState.DELIVERED) { "not delivered: $st" }
    check(st.destinations.map { it.destination } == listOf(Destination.DHIS2, Destination.LMIS)) { "$st" }
    check(st.destinations.all { it.state == DeliveryState.DELIVERED && it.deliveredRevision == st.revision }) { "$st" }
}

fun main() {
    val cliSim = System.getProperty("cli.sim") ?: error("-Dcli.sim=<path to cli-sim> is required")
    check(setLogSink(logcat, LogLevel.INFO)) { "the log sink could not be installed" }
    val schemas = Path.of(System.getProperty("schemas.dir") ?: error("-Dschemas.dir=<schemas folder> is required"))

    // An empty folder, then the app's assets copied in (pullMetadata writes the forms folder).
    val dir = Files.createTempDirectory("agent-kotlin-")
    check(dir.toFile().list()!!.isEmpty())
    val forms = dir.resolve("forms")
    Files.createDirectories(forms)
    schemas.resolve("forms").toFile().listFiles()!!.filter { it.name.endsWith(".json") }
        .forEach { it.copyTo(forms.resolve(it.name).toFile()) }
    val facilities = dir.resolve("facilities.json")
    schemas.resolve("facilities/example.json").toFile().copyTo(facilities.toFile())

    val dhis2 = Mock(cliSim, "dhis2", forms, facilities, dir)
    val lmis = Mock(cliSim, "lmis", forms, facilities, dir)
    try {
        dhis2.waitUntilAnswering()
        lmis.waitUntilAnswering()
        println("simulated DHIS2 at ${dhis2.url}, OpenLMIS at ${lmis.url}")
        val keystore = Keystore()
        Agent.open(
            AgentSettings(
                databasePath = dir.resolve("outbox.sqlite").toString(),
                formsDir = forms.toString(),
                facilitiesPath = facilities.toString(),
                dhis2 = Dhis2Endpoint(url = dhis2.url, connectTimeoutSecs = 5, timeoutSecs = 30),
                lmis = LmisEndpoint(url = lmis.url),
            ),
            keystore,
        ).use { agent -> run(agent, keystore, dhis2, lmis, dir) }
    } finally {
        dhis2.stop()
        lmis.stop()
        // The test's folder goes with it (they piled up in the temp folder).
        dir.toFile().deleteRecursively()
    }
    println("KOTLIN OK")
}

fun run(agent: Agent, keystore: Keystore, dhis2: Mock, lmis: Mock, dir: Path) {
    step("forms: typed fields, products, period type")
    val chw = agent.forms().first { it.id == "chw-monthly" }
    check(chw.periodType == PeriodType.MONTHLY)
    check(chw.destinations == listOf(Destination.DHIS2, Destination.LMIS))
    val rdt = chw.fields.first { it.key == "malaria_rdt_positive" }
    check(rdt.label.isNotBlank() && rdt.min == 0L && rdt.max == 5000L && rdt.required) { "$rdt" }
    check(chw.products.any { it.code == "ACT-6x1" && it.name.isNotBlank() })
    println("${chw.title}: ${chw.fields.size} fields, ${chw.products.size} products; e.g. $rdt")
    check(agent.facilities().any { it.code == "HP-001" })

    step("URLs are checked on the bindings path (https only, loopback http, no credentials)")
    for (bad in listOf("hmis.example.org", "https://admin:district@hmis.example.org", "http://10.0.0.5", "https://")) {
        try {
            Agent.open(
                AgentSettings(
                    databasePath = dir.resolve("bad-url.sqlite").toString(),
                    formsDir = dir.resolve("forms").toString(),
                    facilitiesPath = dir.resolve("facilities.json").toString(),
                    dhis2 = Dhis2Endpoint(url = bad),
                ),
                keystore,
            ).close()
            error("the URL '$bad' was accepted")
        } catch (e: AgentException.Config) {
            check(!e.detail.contains("district")) { "the password is in the error: ${e.detail}" }
            println("  $bad: ${e.detail}")
        }
    }

    step("settings are signed (usable from Java); a negative one is refused, named")
    try {
        Agent.open(
            AgentSettings(
                databasePath = dir.resolve("bad-setting.sqlite").toString(),
                formsDir = dir.resolve("forms").toString(),
                facilitiesPath = dir.resolve("facilities.json").toString(),
                dhis2 = Dhis2Endpoint(url = "https://hmis.example.org", connectTimeoutSecs = -5),
            ),
            keystore,
        ).close()
        error("a negative timeout was accepted")
    } catch (e: AgentException.Config) {
        check(e.detail.contains("dhis2.connectTimeoutSecs is -5")) { e.detail }
    }

    step("TLS: the platform verifier (the system's store on this JVM's Linux)")
    check(platformTlsReady()) { "the platform verifier is not used" }

    step("nothing synced yet: no last sync time")
    check(agent.lastSync().passFinishedAtMs == null) { "${agent.lastSync()}" }

    step("validate + submit the valid form; the outbox listener hears it before submit returns")
    val changes = Changes()
    agent.setOutboxListener(changes)
    val findings = agent.validate(validDraft("HP-001"))
    check(findings.none { it.severity == Severity.ERROR }) { "$findings" }
    val receipt = agent.submit(validDraft("HP-001"), confirmWarnings = true)
    val returnedAt = System.nanoTime()
    check(receipt.revision == 1u && !receipt.duplicate)
    val saved = changes.seen.firstOrNull { (_, c) -> c is OutboxChange.Saved && c.id == receipt.id }
    check(saved != null) { "no Saved event by the time submit returned: ${changes.seen}" }
    println("listener event ${(returnedAt - saved.first) / 1000} µs before submit returned")

    step("a stop decided before the sync started stops it: no request")
    val stopped = Progress(stopped = true)
    val pre = agent.syncObserved(budgetMs = 30_000L, observer = stopped)
    check(pre.cancelled) { "$pre" }
    check(pre.destinations.all { it.requests == 0L }) { "requests were made: $pre" }
    check(stopped.events.isEmpty() && stopped.asked.get() >= 1) { "${stopped.events}" }
    check(agent.status(receipt.id).overall == DeliveryState.PENDING)
    println("saved ${receipt.id} rev ${receipt.revision}, ${receipt.warnings.size} warning(s) confirmed")
    check(agent.submit(validDraft("HP-001"), confirmWarnings = true).duplicate) { "double tap not detected" }

    step("the invalid form raises the typed exception with field findings")
    val invalid = validDraft("HP-001").copy(
        period = "2026-09",
        service = validDraft("HP-001").service + ("malaria_rdt_positive" to -5L) - "malaria_suspected",
    )
    try {
        agent.submit(invalid, confirmWarnings = true)
        error("expected AgentException.InvalidDraft")
    } catch (e: AgentException.InvalidDraft) {
        val errors = e.findings.filter { it.severity == Severity.ERROR }
        errors.forEach { println("  ${it.path} [${it.code}]: ${it.message}") }
        check(errors.any { it.path == "service.malaria_rdt_positive" }) { "${e.findings}" }
        check(errors.any { it.path == "service.malaria_suspected" }) { "${e.findings}" }
    }
    check(agent.outboxHealth().submissions == 1L) { "the invalid form was saved" }

    step("findings in the user's language: French, then Swahili; the id and arguments cross too")
    // Hand-written from agent-core/locales/{fr,sw}/findings.ftl.
    val frText = "La formation sanitaire « HP-404 » n'est pas dans la liste de cette tablette."
    val swText = "Kituo 'HP-404' hakipo kwenye orodha ya vituo ya kifaa hiki."
    check(agent.setLocale("fr") && agent.locale() == "fr")
    val fr = agent.validate(validDraft("HP-404")).first { it.path == "facility" }
    check(fr.message.startsWith(frText)) { fr.message }
    check(fr.text.id == "finding-facility-unknown") { "${fr.text}" }
    check(agent.setLocale("sw"))
    val sw = agent.validate(validDraft("HP-404")).first { it.path == "facility" }
    check(sw.message.startsWith(swText)) { sw.message }
    // An app renders the same message in another language without the agent.
    check(renderMessage(sw.text, "fr") == fr.message) { renderMessage(sw.text, "fr") }
    check(!agent.setLocale("de") && agent.locale() == "en") { agent.locale() }
    check(supportedLocales() == listOf("en", "fr", "pt", "sw")) { "${supportedLocales()}" }
    Agent.open(
        AgentSettings(
            databasePath = dir.resolve("sw.sqlite").toString(),
            formsDir = dir.resolve("forms").toString(),
            facilitiesPath = dir.resolve("facilities.json").toString(),
            locale = "sw",
        ),
        keystore,
    ).use { swAgent ->
        val f = swAgent.validate(validDraft("HP-404")).first { it.path == "facility" }
        check(f.message.startsWith(swText)) { f.message }
    }
    println("  fr: ${fr.message}\n  sw: ${sw.message}")

    step("outbox: list and health")
    val listed = agent.listOutbox()
    check(listed.size == 1 && listed[0].overall == DeliveryState.PENDING) { "$listed" }
    val health = agent.outboxHealth()
    check(health.counts.sumOf { it.count } == 2uL && health.oldestUndeliveredAtMs != null) { "$health" }
    println("health: $health")

    step("credential callback fails (Keystore locked): a note, not a crash")
    keystore.failWith = IllegalStateException("Keystore locked")
    var r = agent.sync(budgetMs = 30_000L)
    println("report: $r")
    check(dest(r, Destination.DHIS2).note?.contains("Keystore locked") == true) { "$r" }
    check(dest(r, Destination.DHIS2).noteKind == NoteKind.CREDENTIALS_UNAVAILABLE) { "$r" }
    keystore.failWith = null

    step("wrong password: DHIS2 held (the shell shows a login prompt)")
    keystore.dhis2Password = "wrong"
    r = agent.sync(budgetMs = 30_000L)
    val held = dest(r, Destination.DHIS2).held
    println("DHIS2 held: $held")
    check(held != null) { "$r" }
    check(dest(r, Destination.DHIS2).heldKind == HoldKind.CREDENTIALS) { "$r" }
    val partHeld = agent.status(receipt.id).destinations.first { it.destination == Destination.DHIS2 }
    check(partHeld.heldKind == HoldKind.CREDENTIALS) { "$partHeld" }

    step("signed in again: sync(retryHeld = true) until done")
    keystore.dhis2Password = "district"
    agent.networkAvailable()
    r = syncUntilDone(agent, retryHeld = true)
    println("report: $r")
    assertDelivered(agent, receipt.id)
    println("status: ${agent.status(receipt.id)}")
    check(keystore.calls.get() >= 4) { "credential callback calls: ${keystore.calls.get()}" }
    println("credential callback called ${keystore.calls.get()} times")
    val last = agent.lastSync()
    check(last.passFinishedAtMs != null && last.deliveredAtMs != null) { "$last" }
    // Both parts (DHIS2 and LMIS) were delivered, perhaps in different passes.
    check(changes.seen.sumOf { (_, c) -> if (c is OutboxChange.Synced) c.delivered.toInt() else 0 } == 2) { "${changes.seen}" }

    step("a correction prefilled from inspect() is saved as revision 2 and delivered")
    val ins = agent.inspect(receipt.id)
    check(ins.revision == 1L && ins.draft.facility == "HP-001" && ins.draft.service["fp_implant"] == 3L) { "$ins" }
    val corrected = ins.draft.copy(service = ins.draft.service + ("fp_implant" to 4L))
    val rev2 = agent.submit(corrected, confirmWarnings = true)
    check(rev2.id == receipt.id && rev2.revision == 2u && !rev2.duplicate) { "$rev2" }
    syncUntilDone(agent)
    assertDelivered(agent, receipt.id)
    check(agent.inspect(receipt.id).draft.service["fp_implant"] == 4L)
    check(!agent.sendWithoutMissingMonths(receipt.id)) { "stock_event mode has no requisition waiting" }
    val lmisProblems = agent.checkLmis()
    println("checkLmis: $lmisProblems")

    step("submit on this thread while a sync runs on a worker (slow servers)")
    dhis2.latency(1000)
    lmis.latency(1000)
    val second = agent.submit(validDraft("HP-002"), confirmWarnings = true)
    var workerReport: SyncReport? = null
    var workerError: Throwable? = null
    val worker = thread(name = "sync-worker") {
        try { workerReport = agent.sync(budgetMs = 120_000L) } catch (t: Throwable) { workerError = t }
    }
    val deadline = System.nanoTime() + 20_000_000_000L
    while (dhis2.inFlight() + lmis.inFlight() == 0L) {
        check(System.nanoTime() < deadline) { "the sync never sent a request" }
        Thread.sleep(5)
    }
    val t0 = System.nanoTime()
    val third = agent.submit(validDraft("HP-003"), confirmWarnings = true)
    val tookMs = (System.nanoTime() - t0) / 1_000_000
    check(worker.isAlive) { "the sync ended before the submit: nothing proved" }
    println("submit during sync took $tookMs ms (server latency 1000 ms)")
    agent.cancelSync()
    worker.join(60_000)
    check(workerError == null) { "worker: $workerError" }
    check(workerReport!!.cancelled) { "$workerReport" }
    println("worker's pass cancelled: ${workerReport!!.cancelled}")
    dhis2.latency(0)
    lmis.latency(0)
    agent.networkAvailable()
    syncUntilDone(agent)
    assertDelivered(agent, second.id)
    assertDelivered(agent, third.id)

    step("metadata pull, resend, unknown id")
    val pull = agent.pullMetadata("MkXpsaCoKaE")
    println("metadata: form ${pull.form}, changed=${pull.changed}, kept=${pull.kept}, added=${pull.added}")
    check(agent.forms().any { it.id == pull.form })
    check(agent.resendRejected(receipt.id) == 0L)
    try {
        agent.status("no-such-id")
        error("expected UnknownSubmission")
    } catch (e: AgentException.UnknownSubmission) {
        println("UnknownSubmission(id=${e.id})")
    }

    step("one batch per form (batchMaxValues = 10): a progress event after every delivered batch")
    Agent.open(
        AgentSettings(
            databasePath = dir.resolve("batches.sqlite").toString(),
            formsDir = dir.resolve("forms").toString(),
            facilitiesPath = dir.resolve("facilities.json").toString(),
            dhis2 = Dhis2Endpoint(url = dhis2.url, batchMaxValues = 10),
        ),
        keystore,
    ).use { batches ->
        for (f in listOf("HP-001", "HP-002", "HP-003")) batches.submit(validDraft(f), confirmWarnings = true)
        val progress = Progress()
        val r = batches.syncObserved(budgetMs = 30_000L, observer = progress)
        checkProgress(r, progress)
        val d = dest(r, Destination.DHIS2)
        check(d.delivered.size == 3) { "$r" }
        val seen = progress.events.filter { it.destination == Destination.DHIS2 }.map { it.delivered.toInt() }.toSet()
        check(seen.containsAll(listOf(1, 2, 3))) { "no progress event after some batch: delivered counts seen $seen" }
        check(dest(r, Destination.LMIS).noteKind == NoteKind.NOT_CONFIGURED) { "$r" }
        println("DHIS2 batches: ${d.requests} requests, progress after each: delivered $seen")
    }

    step("pullMetadata against a stopped server: Unreachable, not Config")
    Agent.open(
        AgentSettings(
            databasePath = dir.resolve("offline.sqlite").toString(),
            formsDir = dir.resolve("forms").toString(),
            facilitiesPath = dir.resolve("facilities.json").toString(),
            dhis2 = Dhis2Endpoint(url = "http://127.0.0.1:${freePort()}", connectTimeoutSecs = 2),
        ),
        keystore,
    ).use { offline ->
        try {
            offline.pullMetadata("MkXpsaCoKaE")
            error("expected Unreachable")
        } catch (e: AgentException.Unreachable) {
            check(e.destination == Destination.DHIS2) { "$e" }
            println("Unreachable: ${e.message}")
        }
    }

    step("an Internal error's reference reaches the log sink")
    try {
        agent.testSupportInternalError()
        error("expected Internal")
    } catch (e: AgentException.Internal) {
        check(logcat.lines.any { it.startsWith("ERROR") && it.contains(e.reference) }) { "${e.reference} not in ${logcat.lines}" }
        println("log sink has ${e.reference}: ${logcat.lines.first { it.contains(e.reference) }}")
    }

    step("a sync right after a panicking sync returns a report, not Busy")
    try {
        agent.testSupportPanickingSync()
        error("expected InternalException")
    } catch (e: InternalException) {
        println("panic inside the pass: ${e.message}")
    }
    val afterPanic = agent.sync(budgetMs = 30_000L)
    check(afterPanic.done) { "$afterPanic" }

    step("forced failures are exceptions, not crashes")
    val notADir = dir.resolve("a-file").toFile().apply { writeText("not a folder") }
    try {
        Agent.open(
            AgentSettings(
                databasePath = File(notADir, "outbox.sqlite").path,
                formsDir = dir.resolve("forms").toString(),
                facilitiesPath = dir.resolve("facilities.json").toString(),
            ),
            keystore,
        ).close()
        error("expected an AgentException")
    } catch (e: AgentException) {
        println("open under a regular file: ${e::class.simpleName}: ${e.message}")
        check(e is AgentException.StorageUnavailable || e is AgentException.Config) { "$e" }
    }
    try {
        agent.testSupportPanic("deliberate panic from Kotlin")
        error("expected InternalException")
    } catch (e: InternalException) {
        println("Rust panic arrived as InternalException: ${e.message}")
    }
    check(agent.outboxHealth().submissions == 3L) { "the agent is unusable after the panic" }
    escrowAndDiagnose(agent, keystore, dir)
    strandedAndCompact(keystore, dhis2, dir)
    encryptedOutbox(agent, dir)
}

/**
 * Forms this device cannot build (issue 17): `stranded()` with its reasons
 * and export hint; the form waits with the reason (not refused) and goes by
 * itself, without a resend, once the facility map is back. `compact()` and
 * the retention settings, checked like agent.toml's.
 */
fun strandedAndCompact(keystore: Keystore, dhis2: Mock, dir: Path) {
    step("stranded: a facility code changed in the map; its unsent form waits and goes once the map is back")
    val map = dir.resolve("facilities.json")
    val renamed = dir.resolve("facilities-renamed.json")
    Files.writeString(renamed, Files.readString(map).replace("\"HP-001\"", "\"KAL-001\""))
    fun settings(facilities: Path, keepDelivered: Int? = 31, keepExchanges: Int? = 30) = AgentSettings(
        databasePath = dir.resolve("stranded.sqlite").toString(),
        formsDir = dir.resolve("forms").toString(),
        facilitiesPath = facilities.toString(),
        dhis2 = Dhis2Endpoint(url = dhis2.url),
        keepDeliveredDays = keepDelivered,
        keepExchangesDays = keepExchanges,
    )
    fun dhis2Of(a: Agent, id: String) = a.status(id).destinations.first { it.destination == Destination.DHIS2 }
    val id = Agent.open(settings(map), keystore).use { a ->
        check(a.stranded() == null) { "${a.stranded()}" }
        a.submit(validDraft("HP-001"), confirmWarnings = true).id
    }
    Agent.open(settings(renamed), keystore).use { a ->
        val s = a.stranded() ?: error("the unsent form is not reported")
        check(s.forms == 1L) { "$s" }
        check(s.reasons == listOf("the facility 'HP-001' is no longer in the facility map (1 form)")) { "${s.reasons}" }
        check(s.exportCommand == "cli-sim export --unsent --to <district public key> --out FILE") { s.exportCommand }
        check(s.message.contains(s.exportCommand)) { s.message }
        check(s.warning.id == "stranded-warning" && s.reasonMessages.size == 1) { "$s" }
        val r = a.sync(budgetMs = 30_000L)
        check(dest(r, Destination.DHIS2).rejected.isEmpty()) { "refused locally: $r" }
        val d = dhis2Of(a, id)
        check(d.state == DeliveryState.WAITING && d.lastErrorKind == LastErrorKind.WAITING) { "$d" }
        val why = d.lastError ?: ""
        check(why.contains("the facility 'HP-001' is no longer in the facility map") && why.contains(s.exportCommand)) { why }
        // Undelivered forms are never compacted.
        check(a.compact() == 0L)
        check(a.inspect(id).draft.service["fp_implant"] == 3L) { "the unsent form lost its content" }
        println("stranded: ${s.message}")
    }
    Agent.open(settings(map), keystore).use { a ->
        check(a.stranded() == null) { "${a.stranded()}" }
        check(a.resendRejected(id) == 0L) { "it was refused" }
        val r = a.sync(budgetMs = 30_000L)
        check(dest(r, Destination.DHIS2).delivered.map { it.id } == listOf(id)) { "$r" }
        check(dhis2Of(a, id).state == DeliveryState.DELIVERED) { "${dhis2Of(a, id)}" }
        // Delivered today: kept whole for keepDeliveredDays (31).
        check(a.compact() == 0L) { "a form delivered today was compacted" }
        check(a.inspect(id).draft.service["fp_implant"] == 3L) { "${a.inspect(id)}" }
    }

    step("retention settings out of bounds are refused, with the bounds")
    for ((keepDelivered, keepExchanges, says) in listOf(
        Triple(30, 30, "storage.keep_delivered_days = 30 is not allowed"),
        Triple(31, 6, "storage.keep_exchanges_days = 6 is not allowed"),
        Triple(-1, 30, "keepDeliveredDays is -1"),
    )) {
        try {
            Agent.open(settings(map, keepDelivered, keepExchanges), keystore).close()
            error("accepted keepDeliveredDays = $keepDelivered, keepExchangesDays = $keepExchanges")
        } catch (e: AgentException.Config) {
            check(e.detail.contains(says)) { e.detail }
        }
    }
}

/** Encryption at rest (issue 17 item 4): the app's 32-byte key on Agent creation. */
fun encryptedOutbox(agent: Agent, dir: Path) {
    step("encryption: a plain outbox encrypted in place by openEncrypted; a wrong key refused")
    val db = dir.resolve("second.sqlite")
    fun settings() = AgentSettings(
        databasePath = db.toString(),
        formsDir = dir.resolve("forms").toString(),
        facilitiesPath = dir.resolve("facilities.json").toString(),
    )
    val random = java.security.SecureRandom()
    val key = ByteArray(32).also { random.nextBytes(it) }
    val before = Agent.open(settings(), Keystore()).use { it.outboxHealth().submissions }
    check(before == agent.outboxHealth().submissions) { "second.sqlite: $before forms" }
    Agent.openEncrypted(settings(), Keystore(), key).use { enc ->
        check(enc.outboxHealth().submissions == before) { "forms lost: ${enc.outboxHealth()}" }
    }
    val bytes = Files.readAllBytes(db)
    check(String(bytes.copyOfRange(0, 15), Charsets.ISO_8859_1) != "SQLite format 3") { "still plain SQLite" }
    check(!String(bytes, Charsets.ISO_8859_1).contains("HP-001")) { "a facility code in clear" }
    for (wrong in listOf(ByteArray(32).also { random.nextBytes(it) }, null)) {
        try {
            if (wrong == null) Agent.open(settings(), Keystore()).close()
            else Agent.openEncrypted(settings(), Keystore(), wrong).close()
            error("the encrypted outbox opened without its key")
        } catch (e: AgentException.OutboxKey) {
            check(e.detail.contains("key")) { e.detail }
            println("  refused: ${e.detail}")
        }
    }
    try {
        Agent.openEncrypted(settings(), Keystore(), ByteArray(16)).close()
        error("a 128-bit key was accepted")
    } catch (e: AgentException.OutboxKey) {
        check(e.detail.contains("32 bytes")) { e.detail }
    }
    check(Files.readAllBytes(db).contentEquals(bytes)) { "a refused open changed the file" }
    check(dir.toFile().list()!!.none { it.startsWith("second.sqlite.damaged") }) { "moved aside as damaged" }
    Agent.openEncrypted(settings(), Keystore(), key).use { enc ->
        check(enc.outboxHealth().submissions == before) { "${enc.outboxHealth()}" }
    }
}

/** Escrow export and import between two outboxes, and the diagnostics bundle (issue 17). */
fun escrowAndDiagnose(agent: Agent, keystore: Keystore, dir: Path) {
    step("escrow: export everything, a changed file refused, import on a second outbox")
    val cliSim = System.getProperty("cli.sim") ?: error("-Dcli.sim is required")
    val keyFile = dir.resolve("district.key")
    val keygen = ProcessBuilder(cliSim, "keygen", "--out", keyFile.toString()).start()
    val publicKey = keygen.inputStream.bufferedReader().readText().trim()
    check(keygen.waitFor() == 0 && publicKey.startsWith("age1")) { "keygen: $publicKey" }
    val all = org.healthsync.agent.core.ExportScope.ALL
    val bytes = agent.exportEscrow(publicKey, all)
    check(String(bytes.copyOfRange(0, 21)) == "age-encryption.org/v1") { "not an age file" }
    check(!String(bytes, Charsets.ISO_8859_1).contains("HP-001")) { "a facility code in clear" }
    val key = Files.readAllBytes(keyFile)
    Agent.open(
        AgentSettings(
            databasePath = dir.resolve("second.sqlite").toString(),
            formsDir = dir.resolve("forms").toString(),
            facilitiesPath = dir.resolve("facilities.json").toString(),
        ),
        Keystore(),
    ).use { second ->
        val changed = bytes.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 1).toByte() }
        try {
            second.importEscrow(changed, key)
            error("a changed file was imported")
        } catch (e: AgentException.EscrowRefused) {
            println("changed file refused: ${e.message}")
        }
        check(second.outboxHealth().submissions == 0L) { "part of a changed file was imported" }
        val report = second.importEscrow(bytes, key)
        check(report.imported.isNotEmpty() && report.skipped.isEmpty()) { "$report" }
        check(second.outboxHealth().submissions == agent.outboxHealth().submissions) { "${second.outboxHealth()}" }
        val again = second.importEscrow(bytes, key)
        check(again.imported.isEmpty() && again.skipped.size == report.imported.size) { "$again" }
    }
    val path = dir.resolve("unsent.age")
    val summary = agent.exportEscrowToPath(publicKey, org.healthsync.agent.core.ExportScope.UNSENT, path.toString())
    check(Files.size(path) > 0 && !Files.exists(dir.resolve("unsent.age.tmp"))) { "$summary" }
    println("unsent export: $summary")

    step("diagnose: a gzipped JSON bundle without the Keystore's secrets")
    val gz = agent.diagnose()
    val json = java.util.zip.GZIPInputStream(gz.inputStream()).bufferedReader().readText()
    check(json.contains("\"schema_version\"") && json.contains("\"queue\"")) { json.take(200) }
    for (secret in listOf(keystore.dhis2Password, "changeme")) {
        check(!json.contains(secret)) { "a Keystore secret is in the bundle" }
    }
    println("diagnostics bundle: ${gz.size} bytes gzipped")
}
