//! Every `lfv-sunset` command in the README's `sh` blocks runs, in order, against an emulator, as a user
//! would paste it (through `sh -c`, with the emulator's environment lines exported).

use std::path::Path;

use lfv_emulator::{GenSpec, Seed};

use crate::support::{Env, fast};

fn readme_commands() -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        let cmd = line.split(" # ").next().unwrap_or("").trim();
        // The emulator runs until Ctrl-C and the demo has its own test.
        if in_sh && cmd.starts_with("lfv-sunset ") && !cmd.starts_with("lfv-sunset emulator") {
            out.push(cmd.to_string());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn every_readme_command_runs() {
    let commands = readme_commands();
    assert!(commands.len() >= 9, "{commands:?}");
    let env = Env::new(fast(Seed::generate(&GenSpec { projects: 20, rng_seed: 1, ..GenSpec::default() }))).await;
    for line in &commands {
        env.run_cmd(env.shell(line), &[line.as_str()]).await.ok();
    }
    // The commands did the whole job: nothing is left anywhere.
    let stats = env.emu.stats();
    assert!(stats.mutations.datasets_deleted > 0);
    env.run(&["verify", "--all", "--endpoint-url", &env.emu.endpoint()]).await.ok();
}
