//! The unit escapers' promise: systemd's reading of an escaped word (the model of its parser
//! that generate's round-trip tests use) gives back exactly the input. A NUL byte is the one
//! thing systemd cannot carry; the generator refuses it before escaping.

#![no_main]

#[allow(dead_code)] // only the command-line and environment readers are used here
#[path = "../../generate/tests/common/systemd_parse.rs"]
mod systemd_parse;

use generate::{escape_arg, escape_env_assignment, escape_executable};
use libfuzzer_sys::fuzz_target;
use systemd_parse::{env_words, exec_argv};

fuzz_target!(|text: &str| {
    if text.contains('\0') {
        return;
    }
    let line = format!("/bin/true {} {}", escape_arg(text), escape_arg(text));
    assert_eq!(exec_argv(&line), ["/bin/true", text, text], "argument {text:?} written as {line:?}");

    let assignment = format!("NAME={text}");
    let written = escape_env_assignment(&assignment);
    assert_eq!(env_words(&written), [assignment.as_str()], "environment value {text:?} written as {written:?}");

    let path = format!("/{text}");
    let line = format!("{} arg", escape_executable(&path));
    assert_eq!(exec_argv(&line), [path.as_str(), "arg"], "executable {path:?} written as {line:?}");
});
