//! `cli-sim record` without `--file`, used as a health worker uses it: the
//! real binary runs on a pseudo-terminal, and each answer is typed only after
//! its prompt has appeared (the terminal echoes it, Ctrl-D is the terminal's
//! end-of-file key). One case pipes a whole script instead, since the
//! recorder must stay scriptable.
//!
//! The pseudo-terminal is opened with `rustix::pty` (no unsafe code): the
//! child gets the terminal's peer as standard input, output and error, and a
//! thread collects what it prints.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests fail loudly by design.

use rustix::fs::{Mode, OFlags};
use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
use serde_json::Value;
use std::fs::File;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long any one prompt may take to appear before the test fails.
const PROMPT_TIMEOUT: Duration = Duration::from_secs(15);

struct Setup {
    _dir: tempfile::TempDir,
    config: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let config = cli_sim::demo::write_example_setup(dir.path()).unwrap();
    Setup { _dir: dir, config }
}

impl Setup {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cli-sim"));
        c.arg("--config")
            .arg(&self.config)
            .args(args)
            .env_remove("AGENT_LOG")
            .env_remove("AGENT_CONFIG");
        c
    }

    /// `record` on a pseudo-terminal, for the short maternal form at HP-002.
    fn record(&self) -> Terminal {
        Terminal::spawn(self.command(&[
            "record",
            "--form",
            "hp-maternal-monthly",
            "--facility",
            "HP-002",
        ]))
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.command(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// `status --json`: every saved submission.
    fn saved(&self) -> Vec<Value> {
        self.json(&["status", "--json"])["submissions"]
            .as_array()
            .cloned()
            .unwrap()
    }

    /// The latest revision of a submission, as recorded.
    fn content(&self, id: &str) -> Value {
        let detail = self.json(&["inspect", id, "--json"]);
        let revisions = detail["revisions"].as_array().unwrap();
        serde_json::from_str(revisions.last().unwrap()["content"].as_str().unwrap()).unwrap()
    }
}

/// What the child printed so far, and whether its side has closed.
#[derive(Default)]
struct Screen {
    bytes: Vec<u8>,
    closed: bool,
}

/// A child process on a pseudo-terminal.
struct Terminal {
    child: Child,
    keyboard: File,
    screen: Arc<(Mutex<Screen>, Condvar)>,
    /// How far the output has been matched.
    seen: usize,
}

impl Terminal {
    fn spawn(mut cmd: Command) -> Terminal {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).unwrap();
        grantpt(&master).unwrap();
        unlockpt(&master).unwrap();
        let name = ptsname(&master, Vec::new()).unwrap();
        let peer = rustix::fs::open(
            name.as_c_str(),
            OFlags::RDWR | OFlags::NOCTTY,
            Mode::empty(),
        )
        .unwrap();
        cmd.stdin(Stdio::from(peer.try_clone().unwrap()))
            .stdout(Stdio::from(peer.try_clone().unwrap()))
            .stderr(Stdio::from(peer));
        let child = cmd.spawn().unwrap();
        // The parent's copies of the peer must be closed, or reading the
        // master never ends when the child exits.
        drop(cmd);
        let mut display = File::from(master);
        let keyboard = display.try_clone().unwrap();
        let screen = Arc::new((Mutex::new(Screen::default()), Condvar::new()));
        let shared = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let n = display.read(&mut buf).unwrap_or(0);
                let (lock, cv) = &*shared;
                let mut s = lock.lock().unwrap();
                if n == 0 {
                    // End of file, or EIO once the child's side is closed.
                    s.closed = true;
                } else {
                    s.bytes.extend_from_slice(&buf[..n]);
                }
                cv.notify_all();
                if s.closed {
                    return;
                }
            }
        });
        Terminal {
            child,
            keyboard,
            screen,
            seen: 0,
        }
    }

    /// Everything printed so far, with the terminal's carriage returns removed.
    fn transcript(&self) -> String {
        let s = self.screen.0.lock().unwrap();
        String::from_utf8_lossy(&s.bytes).replace('\r', "")
    }

    /// Waits until `needle` appears after what was already matched; returns
    /// the output up to the end of it.
    fn expect(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + PROMPT_TIMEOUT;
        let (lock, cv) = &*self.screen;
        let mut s = lock.lock().unwrap();
        loop {
            let rest = &s.bytes[self.seen..];
            if let Some(at) = rest
                .windows(needle.len())
                .position(|w| w == needle.as_bytes())
            {
                let end = self.seen + at + needle.len();
                let text = String::from_utf8_lossy(&s.bytes[self.seen..end]).replace('\r', "");
                self.seen = end;
                return text;
            }
            let now = Instant::now();
            if s.closed || now >= deadline {
                let shown = String::from_utf8_lossy(&s.bytes).replace('\r', "");
                drop(s);
                panic!("waited for {needle:?}; the screen shows:\n{shown}");
            }
            s = cv.wait_timeout(s, deadline - now).unwrap().0;
        }
    }

    /// Types a line and Enter.
    fn send(&mut self, line: &str) {
        self.keyboard
            .write_all(format!("{line}\n").as_bytes())
            .unwrap();
    }

    /// Waits for a prompt, then answers it.
    fn answer(&mut self, prompt: &str, line: &str) {
        self.expect(prompt);
        self.send(line);
    }

    /// Ctrl-D at the start of a line: the terminal's end of file.
    fn ctrl_d(&mut self) {
        self.keyboard.write_all(&[4]).unwrap();
    }

    /// Waits for the child to exit; returns its exit code and everything it printed.
    fn finish(mut self) -> (i32, String) {
        let deadline = Instant::now() + PROMPT_TIMEOUT;
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            if Instant::now() >= deadline {
                panic!("cli-sim did not exit; it shows:\n{}", self.transcript());
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let (lock, cv) = &*self.screen;
        let s = lock.lock().unwrap();
        drop(
            cv.wait_timeout_while(s, Duration::from_secs(5), |s| !s.closed)
                .unwrap(),
        );
        (status.code().unwrap_or(-1), self.transcript())
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        // Only a failed test leaves the child running.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The period the recorder suggests: last month.
fn last_month() -> agent_core::Period {
    let today = chrono::Utc::now().date_naive();
    agent_core::Period::containing(agent_core::PeriodType::Monthly, today).previous()
}

/// The four service fields of the maternal form.
fn services(
    deliveries: &str,
    uterotonic: &str,
    pph: &str,
    eclampsia: &str,
) -> Vec<(&'static str, String)> {
    vec![
        (
            "Deliveries at the health post [deliveries] (",
            deliveries.into(),
        ),
        ("uterotonic (AMTSL) [deliveries] (", uterotonic.into()),
        ("(PPH) cases [cases] (", pph.into()),
        ("magnesium sulfate [cases] (", eclampsia.into()),
    ]
}

/// One product's stock card: opening, received, consumed, losses,
/// adjustments, closing, stock-out days, requested.
fn stock(answers: [&str; 8]) -> Vec<(&'static str, String)> {
    [
        "Opening balance [",
        "Received [",
        "Consumed [",
        "Losses (",
        "Adjustments [",
        "Closing balance [",
        "Stock-out days [",
        "Requested quantity [",
    ]
    .into_iter()
    .zip(answers.map(String::from))
    .collect()
}

fn run(t: &mut Terminal, script: &[(&'static str, String)]) {
    for (prompt, line) in script {
        t.answer(prompt, line);
    }
}

/// A maternal form that passes every check (Enter accepts each expected
/// closing balance).
fn valid_script() -> Vec<(&'static str, String)> {
    let mut s = vec![("Period (", String::new())];
    s.extend(services("10", "10", "1", "1"));
    s.extend(stock(["40", "20", "12", "0", "0", "", "0", "30"]));
    s.extend(stock(["30", "0", "4", "", "", "", "", ""]));
    s.extend(stock(["20", "10", "6", "2", "-2", "", "0", ""]));
    s.push(("Comment (", "all counted".into()));
    s.push(("Captured by (", "AB".into()));
    s
}

/// The id on the "Saved: submission <id>, revision <n>" line.
fn saved_id(transcript: &str) -> (String, u32) {
    let line = transcript
        .lines()
        .find_map(|l| l.strip_prefix("Saved: submission "))
        .unwrap_or_else(|| panic!("no saved line in:\n{transcript}"));
    let (id, rev) = line.split_once(", revision ").unwrap();
    (id.to_string(), rev.trim().parse().unwrap())
}

#[test]
fn a_complete_valid_form_typed_line_by_line_is_saved() {
    let s = setup();
    let mut t = s.record();
    let period = last_month();
    t.expect("Form: Health post maternal health monthly report");
    run(&mut t, &valid_script());
    t.expect("Saved: submission ");
    let (code, out) = t.finish();
    assert_eq!(code, 0, "{out}");
    // Last month is offered as the period.
    assert!(
        out.contains(&format!("Period (Monthly; Enter for {}): ", period.iso())),
        "{out}"
    );
    // Prompts carry the label, the unit, the range and "required".
    assert!(
        out.contains("Deliveries at the health post [deliveries] (0–1000, required): "),
        "{out}"
    );
    assert!(out.contains("Adjustments [ampoules] (may be negative, optional): "));
    // The expected closing balance is offered, and the running balance shown.
    assert!(
        out.contains(
            "Closing balance [ampoules] (required; Enter for 48 = 40 + 20 − 12 − 0 + 0): "
        )
    );
    assert!(
        out.contains("OXY-10IU: 40 + 20 − 12 − 0 + 0 = 48 ampoules"),
        "{out}"
    );
    assert!(
        out.contains("MGSO4-5G: 20 + 10 − 6 − 2 − 2 = 20 ampoules"),
        "{out}"
    );
    // What to order, after each product (no earlier month: the form's own;
    // oxytocin: 12 a month, 48 left = 4 months, above the 3 wanted).
    assert!(
        out.contains("  To order: Oxytocin 10 IU/ml injection: no order needed (4.0 months of stock left; up to 3 months of stock; average over 1 of 3 months)"),
        "{out}"
    );
    let (id, revision) = saved_id(&out);
    assert_eq!(revision, 1);

    let saved = s.saved();
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(saved[0]["id"], id.as_str());
    assert_eq!(saved[0]["form"], "hp-maternal-monthly");
    assert_eq!(saved[0]["facility"], "HP-002");
    assert_eq!(saved[0]["period"], period.dhis2_id().as_str());
    let c = s.content(&id);
    assert_eq!(c["service"]["deliveries"], 10);
    assert_eq!(c["service"]["pph_cases"], 1);
    assert_eq!(c["stock"]["OXY-10IU"]["closing_balance"], 48);
    assert_eq!(c["stock"]["OXY-10IU"]["requested_quantity"], 30);
    assert_eq!(c["stock"]["MGSO4-5G"]["adjustments"], -2);
    // Optional numbers left empty stay empty.
    assert!(c["stock"]["MISO-200"].get("losses").is_none(), "{c}");
    assert_eq!(c["stock"]["MISO-200"]["closing_balance"], 26);
    assert_eq!(c["comment"], "all counted");
    assert_eq!(c["captured_by"], "AB");
}

#[test]
fn a_typo_and_an_out_of_range_value_are_explained_and_asked_again() {
    let s = setup();
    // No options: the form and the facility are chosen from lists.
    let mut t = Terminal::spawn(s.command(&["record"]));
    t.expect("hp-maternal-monthly");
    t.answer("Form (number or id): ", "7");
    t.expect("'7' is not in the list");
    t.answer("Form (number or id): ", "2");
    t.expect("HP-005");
    t.answer("Facility (number or code): ", "hp-002");
    t.expect("Facility: HP-002 Mbanda Health Post");
    t.answer("Period (", "");
    t.answer("Deliveries at the health post [deliveries] (", "1o");
    t.expect("\"1o\" is text, not a number; enter a whole number");
    t.answer("Deliveries at the health post [deliveries] (", "1200");
    t.expect("Deliveries at the health post: 1200 deliveries is more than the maximum of 1000 for one period.");
    t.answer("Deliveries at the health post [deliveries] (", "");
    t.expect("this field is required");
    t.answer("Deliveries at the health post [deliveries] (", "10");
    t.answer("uterotonic (AMTSL) [deliveries] (", "2.5");
    t.expect("2.5 is not a whole number");
    t.answer("uterotonic (AMTSL) [deliveries] (", "10");
    t.answer("(PPH) cases [cases] (", "1");
    t.answer("magnesium sulfate [cases] (", "1");
    t.answer("Opening balance [ampoules] (", "40");
    t.answer("Received [ampoules] (", "20");
    t.answer("Consumed [ampoules] (", "-3");
    t.expect("the quantity consumed cannot be negative (-3)");
    t.answer("Consumed [ampoules] (", "q");
    t.expect("Stopped: the form was not saved.");
    let (code, out) = t.finish();
    assert_eq!(code, 2, "{out}");
    assert!(s.saved().is_empty());
}

#[test]
fn a_closing_balance_that_does_not_balance_is_corrected_before_saving() {
    let s = setup();
    let mut t = s.record();
    t.answer("Period (", "");
    run(&mut t, &services("10", "10", "2", "1"));
    run(
        &mut t,
        &stock(["40", "20", "12", "0", "0", "45", "", ""])[..6],
    );
    t.expect("Oxytocin 10 IU/ml injection: the closing balance should be 48 ampoules (40 opening + 20 received − 12 consumed − 0 losses + 0 adjustments), but 45 was entered.");
    t.answer("Closing balance [ampoules] (required; Enter for 48", "48");
    t.answer("Stock-out days [", "");
    t.answer("Requested quantity [", "");
    // The second product: the counted closing balance is right, a
    // consumption was mistyped; r goes back to its opening balance.
    run(&mut t, &stock(["30", "0", "4", "", "", "20", "", ""])[..6]);
    t.expect("the closing balance should be 26 tablets");
    t.answer("or r to enter this product's numbers again", "r");
    t.expect("Again from the opening balance of MISO-200");
    run(&mut t, &stock(["", "", "10", "", "", "", "", ""]));
    t.expect("MISO-200: 30 + 0 − 10 − 0 + 0 = 20 tablets");
    run(&mut t, &stock(["20", "10", "6", "", "", "", "", ""]));
    t.answer("Comment (", "");
    t.answer("Captured by (", "");
    t.expect("Saved: submission ");
    let (code, out) = t.finish();
    assert_eq!(code, 0, "{out}");
    let (id, _) = saved_id(&out);
    let c = s.content(&id);
    assert_eq!(c["stock"]["OXY-10IU"]["closing_balance"], 48);
    assert_eq!(c["stock"]["MISO-200"]["consumed"], 10);
    assert_eq!(c["stock"]["MISO-200"]["closing_balance"], 20);
    assert!(c.get("comment").is_none(), "{c}");
}

#[test]
fn an_error_between_fields_sends_the_user_back_to_the_fields_named() {
    let s = setup();
    let mut t = s.record();
    t.answer("Period (", "");
    run(&mut t, &services("10", "12", "1", "1")[..2]);
    t.expect("Note: Deliveries where the mother received a uterotonic (AMTSL) (12) is more than Deliveries at the health post (10).");
    run(&mut t, &services("10", "12", "1", "1")[2..]);
    run(&mut t, &stock(["40", "20", "12", "", "", "", "", ""]));
    run(&mut t, &stock(["30", "0", "4", "", "", "", "", ""]));
    run(&mut t, &stock(["20", "10", "6", "", "", "", "", ""]));
    t.answer("Comment (", "");
    t.answer("Captured by (", "");
    t.expect("Before saving, the form was checked:");
    t.expect("Error: Deliveries where the mother received a uterotonic (AMTSL) (12) is more than");
    t.answer("Press Enter to correct the fields named", "");
    // Both fields of the rule are asked again, their values offered.
    t.answer(
        "Deliveries at the health post [deliveries] (0–1000, required; Enter for 10): ",
        "12",
    );
    t.answer(
        "uterotonic (AMTSL) [deliveries] (0–1000, required; Enter for 12): ",
        "",
    );
    t.expect("Saved: submission ");
    let (code, out) = t.finish();
    assert_eq!(code, 0, "{out}");
    let c = s.content(&saved_id(&out).0);
    assert_eq!(c["service"]["deliveries"], 12);
    assert_eq!(c["service"]["deliveries_uterotonic"], 12);
}

/// Misoprostol consumed while no PPH case was recorded.
fn misoprostol_without_pph(t: &mut Terminal) {
    t.answer("Period (", "");
    run(t, &services("10", "10", "0", "1"));
    run(t, &stock(["40", "20", "12", "", "", "", "", ""]));
    run(t, &stock(["30", "0", "4", "", "", "", "", ""]));
    t.expect("Note: Misoprostol tablets consumed is 4 but PPH cases is 0");
    run(t, &stock(["20", "10", "6", "", "", "", "", ""]));
    t.answer("Comment (", "given to prevent PPH");
    t.answer("Captured by (", "");
    t.expect("Warning: Misoprostol tablets consumed is 4 but PPH cases is 0");
}

#[test]
fn a_cross_check_warning_is_saved_only_when_confirmed() {
    let s = setup();
    let mut t = s.record();
    misoprostol_without_pph(&mut t);
    t.answer("Confirm and save? [y/N] ", "n");
    t.expect("Not saved: the warnings were not confirmed.");
    let (code, out) = t.finish();
    assert_eq!(code, 2, "{out}");
    assert!(s.saved().is_empty());

    let mut t = s.record();
    misoprostol_without_pph(&mut t);
    t.answer("Confirm and save? [y/N] ", "y");
    t.expect("Saved: submission ");
    let (code, out) = t.finish();
    assert_eq!(code, 0, "{out}");
    let saved = s.saved();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0]["id"], saved_id(&out).0.as_str());
}

#[test]
fn end_of_input_mid_form_saves_nothing() {
    let s = setup();
    let mut t = s.record();
    t.answer("Period (", "");
    run(&mut t, &services("10", "10", "1", "1"));
    t.expect("Opening balance [ampoules] (");
    t.ctrl_d();
    t.expect("End of input: the form was not saved.");
    let (code, out) = t.finish();
    assert_eq!(code, 2, "{out}");
    assert!(s.saved().is_empty());
}

#[test]
fn a_script_piped_into_standard_input_records_the_same_form() {
    let s = setup();
    let script: String = valid_script()
        .into_iter()
        .map(|(_, line)| format!("{line}\n"))
        .collect();
    let mut child = s
        .command(&[
            "record",
            "--form",
            "hp-maternal-monthly",
            "--facility",
            "HP-002",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    // Answers are written after their prompts, so the output reads as a transcript.
    assert!(text.contains("Comment (optional): all counted\n"), "{text}");
    let (id, _) = saved_id(&text);
    assert_eq!(s.content(&id)["stock"]["MGSO4-5G"]["closing_balance"], 20);

    // The same script again: a double tap, the same id, nothing new written.
    let again = s
        .command(&[
            "record",
            "--form",
            "hp-maternal-monthly",
            "--facility",
            "HP-002",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(script.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    let text = String::from_utf8_lossy(&again.stdout);
    assert_eq!(again.status.code(), Some(0), "{text}");
    assert!(text.contains("This form is already saved"), "{text}");
    assert!(text.contains("nothing new was written"), "{text}");
    assert_eq!(saved_id(&text).0, id);
}
