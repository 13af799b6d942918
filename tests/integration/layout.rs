//! The floor plan, kept by tests: the tool crate's top-level modules import each other without a cycle (read
//! from `crate::` paths in non-test code, as the before-stop hook reads them), the files inside every folder
//! of every crate do too (read from `super::` and `crate::<folder>::` paths), and the workspace's crates
//! depend only downward (the emulator on no tool crate; the model on no runtime or SDK).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Top-level module -> the top-level modules its non-test code names through `crate::`.
fn module_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let path_re = regex::Regex::new(r"\bcrate::([a-z_][a-z0-9_]*)").unwrap();
    let group_re = regex::Regex::new(r"(?s)\buse\s+crate::\{([^;]*)\}").unwrap();
    let word_re = regex::Regex::new(r"(?:^|[,{\s])([a-z_][a-z0-9_]*)").unwrap();
    let comment_re = regex::Regex::new(r"//[^\n]*").unwrap();
    let mods: BTreeSet<String> = std::fs::read_dir(src)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() || p.extension().is_some_and(|x| x == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .filter(|m| m != "lib" && m != "main")
        .collect();
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = mods.iter().map(|m| (m.clone(), BTreeSet::new())).collect();
    for f in files {
        let rel = f.strip_prefix(src).unwrap();
        let top = rel.components().next().unwrap().as_os_str().to_string_lossy().trim_end_matches(".rs").to_string();
        let name = f.file_name().unwrap().to_string_lossy();
        if !mods.contains(&top) || name.contains("test") || rel.components().any(|c| c.as_os_str() == "tests") {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let code = text.split("#[cfg(test)]").next().unwrap();
        let code = comment_re.replace_all(code, "");
        let mut named: BTreeSet<String> = path_re.captures_iter(&code).map(|c| c[1].to_string()).collect();
        for g in group_re.captures_iter(&code) {
            named.extend(word_re.captures_iter(&g[1]).map(|c| c[1].to_string()));
        }
        let edges = graph.get_mut(&top).unwrap();
        edges.extend(named.into_iter().filter(|m| mods.contains(m) && *m != top));
    }
    graph
}

/// A cycle through `graph`, if there is one (depth-first search with colours).
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        v: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(v.to_string(), 1);
        stack.push(v.to_string());
        for w in &graph[v] {
            match state.get(w.as_str()).copied().unwrap_or(0) {
                0 => {
                    if let Some(c) = visit(w, graph, state, stack) {
                        return Some(c);
                    }
                }
                1 => {
                    let at = stack.iter().position(|s| s == w).unwrap();
                    let mut cycle = stack[at..].to_vec();
                    cycle.push(w.clone());
                    return Some(cycle);
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(v.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for v in graph.keys() {
        if state.get(v.as_str()).copied().unwrap_or(0) == 0
            && let Some(c) = visit(v, graph, &mut state, &mut Vec::new())
        {
            return Some(c);
        }
    }
    None
}

#[test]
fn the_tool_crate_s_top_level_modules_form_a_dag() {
    let graph = module_graph(&Path::new(ROOT).join("src"));
    assert!(graph.len() >= 10, "too few modules found: {graph:?}");
    if let Some(cycle) = find_cycle(&graph) {
        panic!("the tool crate's top-level modules import each other in a circle: {}", cycle.join(" -> "));
    }
}

/// The files (and sub-folders) directly inside `dir`, whose module path is `prefix` (`crate::exec`, or
/// `crate` for a crate's root): file -> the siblings its non-test code names through `super::` or `prefix::`.
/// `mod.rs`/`lib.rs`/`main.rs` are the folder's facade (it may re-export its children) and are left out.
fn file_graph(dir: &Path, prefix: &str) -> BTreeMap<String, BTreeSet<String>> {
    let esc = regex::escape(prefix);
    let path_re = regex::Regex::new(&format!(r"(?:\bsuper|{esc})::([a-z_][a-z0-9_]*)")).unwrap();
    let group_re = regex::Regex::new(&format!(r"(?s)(?:\bsuper|{esc})::\{{([^;]*)\}}")).unwrap();
    let word_re = regex::Regex::new(r"(?:^|[,{\s])([a-z_][a-z0-9_]*)").unwrap();
    let comment_re = regex::Regex::new(r"//[^\n]*").unwrap();
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let stem = p.file_stem().unwrap().to_string_lossy().into_owned();
        if p.is_dir() && p.join("mod.rs").is_file() {
            files.insert(stem, p.join("mod.rs"));
        } else if p.extension().is_some_and(|x| x == "rs") && !["mod", "lib", "main"].contains(&stem.as_str()) {
            files.insert(stem, p);
        }
    }
    let mut graph = BTreeMap::new();
    for (name, path) in &files {
        let mut edges = BTreeSet::new();
        if !name.contains("test") {
            let text = std::fs::read_to_string(path).unwrap();
            let code = comment_re.replace_all(text.split("#[cfg(test)]").next().unwrap(), "");
            edges.extend(path_re.captures_iter(&code).map(|c| c[1].to_string()));
            for g in group_re.captures_iter(&code) {
                edges.extend(word_re.captures_iter(&g[1]).map(|c| c[1].to_string()));
            }
            edges.retain(|m| files.contains_key(m) && m != name && !m.contains("test"));
        }
        graph.insert(name.clone(), edges);
    }
    graph
}

/// Every folder under `src` of `krate` (relative to the repository), with its module path.
fn folders(krate: &str) -> Vec<(PathBuf, String)> {
    let src = Path::new(ROOT).join(krate).join("src");
    let mut out = vec![(src.clone(), "crate".to_string())];
    let mut i = 0;
    while i < out.len() {
        let (dir, prefix) = out[i].clone();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() && p.join("mod.rs").is_file() {
                let name = p.file_name().unwrap().to_string_lossy().into_owned();
                out.push((p, format!("{prefix}::{name}")));
            }
        }
        i += 1;
    }
    out
}

#[test]
fn the_files_inside_every_folder_of_every_crate_form_a_dag() {
    let mut checked = Vec::new();
    for krate in [".", "crates/lfv-fs", "crates/lfv-model", "crates/lfv-emulator"] {
        for (dir, prefix) in folders(krate) {
            // The tool crate's root is the top-level module graph, checked above with its own rules.
            if krate == "." && prefix == "crate" {
                continue;
            }
            let graph = file_graph(&dir, &prefix);
            if let Some(cycle) = find_cycle(&graph) {
                panic!("files of {} import each other in a circle: {}", dir.display(), cycle.join(" -> "));
            }
            checked.push(prefix);
        }
    }
    for must in ["crate::exec", "crate::plan", "crate::seed", "crate::planner", "crate::commands"] {
        assert!(checked.iter().any(|c| c == must), "folder {must} not checked: {checked:?}");
    }
}

#[test]
fn the_file_graph_sees_a_planted_cycle_through_super() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.rs"), "use super::b::B;\npub struct A;\n").unwrap();
    std::fs::write(dir.path().join("b.rs"), "pub struct B;\nfn f() { crate::x::a::A; }\n").unwrap();
    std::fs::write(dir.path().join("c.rs"), "// super::a is only a comment\n").unwrap();
    let graph = file_graph(dir.path(), "crate::x");
    assert_eq!(graph["c"], BTreeSet::new());
    assert_eq!(find_cycle(&graph), Some(vec!["a".into(), "b".into(), "a".into()]));
}

#[test]
fn the_cycle_finder_finds_a_planted_cycle() {
    let g: BTreeMap<String, BTreeSet<String>> = [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec![])]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.into_iter().map(str::to_string).collect()))
        .collect();
    assert_eq!(find_cycle(&g), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
}

/// The `[dependencies]` table's crate names of one manifest.
fn dependencies(manifest: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(Path::new(ROOT).join(manifest)).unwrap();
    let table = text.split("[dependencies]").nth(1).unwrap_or("");
    let table = table.split("\n[").next().unwrap();
    table
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .filter(|k| !k.is_empty() && !k.starts_with('#'))
        .collect()
}

#[test]
fn crates_depend_only_downward() {
    let emulator = dependencies("crates/lfv-emulator/Cargo.toml");
    assert!(emulator.contains("hyper"), "manifest not read: {emulator:?}");
    for tool in ["lfv-sunset", "lfv-model"] {
        assert!(!emulator.contains(tool), "the emulator depends on {tool}");
    }
    let model = dependencies("crates/lfv-model/Cargo.toml");
    assert!(model.contains("serde"), "manifest not read: {model:?}");
    for runtime in model.iter().filter(|d| d.starts_with("aws-") || *d == "tokio" || d.starts_with("lfv-")) {
        assert!(runtime == "lfv-fs", "the model depends on {runtime}");
    }
    let fs = dependencies("crates/lfv-fs/Cargo.toml");
    assert!(fs.iter().all(|d| !d.starts_with("lfv-")), "lfv-fs depends on {fs:?}");
}
