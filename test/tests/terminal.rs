//! `-i` and `-t`: stdin forwarded into containers and closed at its end, real pseudo-terminals
//! through the OCI runtime's console socket for `run -t`, and `exec -it`, driven the way a user
//! drives them: from a pseudo-terminal the test opens itself.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use nix::pty::{openpty, Winsize};
use nix::sys::termios::{tcgetattr, LocalFlags};
use rpod_e2e::{TestEnv, TestImage};

const IMAGE: &str = "localhost/rpod-test/busybox:1";

/// How long a step may take before the test gives up (a container start takes well under 1 s).
const PATIENCE: Duration = Duration::from_secs(30);

/// A test environment with the busybox image imported as [`IMAGE`]. Its applets are few:
/// `busybox tty` and `busybox stty` reach the others.
fn env_with_image() -> TestEnv {
    let env = TestEnv::new();
    let tarball = env.dir().join("rootfs.tar");
    TestImage::busybox(&[], &[]).write_rootfs(&tarball);
    env.run(&["import", "--change", "CMD=[\"sh\"]", tarball.to_str().unwrap(), IMAGE]).success();
    env
}

/// Runs `rpod ARGS` with `input` on its stdin (a pipe, closed after the input).
fn run_with_input(env: &TestEnv, args: &[&str], input: &str) -> (Option<i32>, String, String) {
    let mut child =
        env.command().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// rpod running with a pseudo-terminal as its stdin, stdout and stderr, as in a user's shell.
struct OnTerminal {
    child: Child,
    master: File,
    /// The test's own handle on the terminal rpod uses, to look at its settings afterwards.
    slave: File,
    shown: Arc<Mutex<Vec<u8>>>,
}

impl OnTerminal {
    fn spawn(mut cmd: Command, rows: u16, cols: u16) -> OnTerminal {
        let size = Winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
        let pty = openpty(Some(&size), None).unwrap();
        let (master, slave) = (File::from(pty.master), File::from(pty.slave));
        cmd.stdin(slave.try_clone().unwrap()).stdout(slave.try_clone().unwrap()).stderr(slave.try_clone().unwrap());
        // As in a login: rpod leads a session whose controlling terminal this is, so a resize
        // sends SIGWINCH to it and to the runtime it runs in the foreground.
        // SAFETY: only async-signal-safe calls (setsid, ioctl) between fork and exec.
        unsafe {
            cmd.pre_exec(|| {
                nix::unistd::setsid()?;
                if libc::ioctl(0, libc::TIOCSCTTY, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap();
        let shown = Arc::new(Mutex::new(Vec::new()));
        let (mut reader, sink) = (master.try_clone().unwrap(), shown.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        OnTerminal { child, master, slave, shown }
    }

    fn shown(&self) -> String {
        String::from_utf8_lossy(&self.shown.lock().unwrap()).into_owned()
    }

    /// Waits until the terminal showed `text` (counting from the start).
    fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + PATIENCE;
        while !self.shown().contains(text) {
            assert!(Instant::now() < deadline, "the terminal never showed {text:?}; it showed:\n{}", self.shown());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn type_line(&mut self, line: &str) {
        self.master.write_all(format!("{line}\n").as_bytes()).unwrap();
    }

    /// Resizes the terminal, as a terminal emulator does when its window changes.
    fn resize(&self, rows: u16, cols: u16) {
        let size = Winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: TIOCSWINSZ reads one winsize through the pointer, which outlives the call.
        assert_eq!(unsafe { libc::ioctl(std::os::fd::AsRawFd::as_raw_fd(&self.master), libc::TIOCSWINSZ, &size) }, 0);
    }

    /// Waits for rpod to exit; returns its exit code.
    fn exit_code(&mut self) -> Option<i32> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("rpod did not exit; the terminal showed:\n{}", self.shown());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the terminal echoes again, as it did before rpod put it in raw mode.
    fn echoes(&self) -> bool {
        tcgetattr(self.slave.as_fd()).unwrap().local_flags.contains(LocalFlags::ECHO)
    }
}

#[test]
fn stdin_reaches_the_container_with_i_and_its_end_ends_cat() {
    let env = env_with_image();
    let (code, out, err) = run_with_input(&env, &["run", "-i", "--rm", IMAGE, "cat"], "hi\n");
    assert_eq!((code, out.as_str()), (Some(0), "hi\n"), "{err}");
    let (code, out, err) = run_with_input(&env, &["run", "--rm", IMAGE, "cat"], "hi\n");
    assert_eq!((code, out.as_str()), (Some(0), ""), "without -i the container reads /dev/null: {err}");
    let (code, out, _) = run_with_input(&env, &["run", "-i", "--rm", IMAGE, "busybox", "tty"], "");
    assert_eq!((code, out.as_str()), (Some(1), "not a tty\n"));
    assert_eq!(env.run(&["ps", "-a", "-q"]).success(), "", "--rm removed them all");
}

#[test]
fn start_attach_interactive_forwards_stdin() {
    let env = env_with_image();
    env.run(&["create", "-i", "--name", "reader", IMAGE, "sh", "-c", "read line; echo got $line"]).success();
    let (code, out, err) = run_with_input(&env, &["start", "-a", "-i", "reader"], "it\n");
    assert_eq!((code, out.as_str()), (Some(0), "got it\n"), "{err}");
}

#[test]
fn an_interactive_shell_runs_on_a_real_terminal_and_exits_with_its_code() {
    let env = env_with_image();
    let mut cmd = env.command();
    cmd.args(["run", "-it", "--name", "shell", IMAGE, "sh"]);
    let mut term = OnTerminal::spawn(cmd, 40, 100);
    term.wait_for("# ");
    assert!(!term.echoes(), "rpod put the local terminal in raw mode");
    term.type_line("busybox tty; busybox stty size; echo $((6*7))");
    term.wait_for("42\r\n");
    let shown = term.shown();
    assert!(shown.contains("/dev/pts/0\r\n"), "{shown}");
    assert!(shown.contains("40 100\r\n"), "the container's terminal took the local size: {shown}");
    term.resize(50, 120);
    // The client looks at the size every 20 ms; give it ample time to pass it on.
    std::thread::sleep(Duration::from_millis(500));
    term.type_line("busybox stty size; exit 3");
    assert_eq!(term.exit_code(), Some(3), "{}", term.shown());
    term.wait_for("50 120\r\n");
    assert!(term.echoes(), "the local terminal is restored once the container exits");
    let logs = env.run(&["logs", "shell"]).success();
    assert!(logs.contains("42\r\n") && logs.contains("/dev/pts/0\r\n"), "logs show what the terminal showed: {logs}");
}

#[test]
fn a_detached_terminal_container_logs_its_terminal_and_without_t_there_is_none() {
    let env = env_with_image();
    env.run(&["run", "-d", "-t", "--name", "tty", IMAGE, "sh", "-c", "busybox tty; echo done"]).success();
    assert_eq!(env.run(&["wait", "tty"]).success(), "0\n");
    assert_eq!(env.run(&["logs", "tty"]).success(), "/dev/pts/0\r\ndone\r\n");
    let out = env.run(&["run", "--rm", IMAGE, "busybox", "tty"]);
    assert_eq!((out.code, out.stdout.as_str()), (Some(1), "not a tty\n"));
}

#[test]
fn a_detached_interactive_container_keeps_its_stdin_open() {
    let env = env_with_image();
    env.run(&["run", "-d", "-i", "--name", "waiting", IMAGE, "cat"]).success();
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(env.run(&["inspect", "--format", "{{.State.Status}}", "waiting"]).success(), "running\n");
    env.run(&["rm", "-f", "-t", "0", "waiting"]).success();
}

#[test]
fn exec_gives_a_terminal_with_t_and_stdin_only_with_i() {
    let env = env_with_image();
    env.run(&["run", "-d", "--name", "box", IMAGE, "sleep", "1000"]).success();
    let mut cmd = env.command();
    cmd.args(["exec", "-it", "box", "sh"]);
    let mut term = OnTerminal::spawn(cmd, 24, 80);
    term.wait_for("# ");
    term.type_line("busybox stty size");
    term.wait_for("24 80\r\n");
    term.resize(30, 90);
    // The runtime passes a resize on when SIGWINCH reaches it; give that ample time.
    std::thread::sleep(Duration::from_millis(500));
    term.type_line("busybox stty size; busybox tty; echo term=$TERM; echo $((6*7)); exit 4");
    assert_eq!(term.exit_code(), Some(4), "{}", term.shown());
    // rpod has exited; what it wrote last may still be on its way through the terminal.
    term.wait_for("42\r\n");
    let shown = term.shown();
    assert!(shown.contains("42\r\n") && shown.contains("/dev/pts/"), "{shown}");
    assert!(shown.contains("term=xterm\r\n"), "TERM is set as Podman sets it: {shown}");
    assert!(shown.contains("30 90\r\n"), "the runtime passed the resize on: {shown}");
    assert!(term.echoes(), "the local terminal is restored");
    let (code, out, err) = run_with_input(&env, &["exec", "-i", "box", "cat"], "hi\n");
    assert_eq!((code, out.as_str()), (Some(0), "hi\n"), "{err}");
    let (code, out, err) = run_with_input(&env, &["exec", "box", "cat"], "hi\n");
    assert_eq!((code, out.as_str()), (Some(0), ""), "without -i the command reads nothing: {err}");
    let (code, out, _) = run_with_input(&env, &["exec", "box", "busybox", "tty"], "");
    assert_eq!((code, out.as_str()), (Some(1), "not a tty\n"));
    let missing = env.run(&["exec", "-it", "box", "no-such-command"]);
    assert_eq!(missing.code, Some(127), "exec's error mapping holds with -t: {}", missing.stderr);
    env.run(&["rm", "-f", "-t", "0", "box"]).success();
}
