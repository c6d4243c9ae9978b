//! The layers of `harness/src` have one direction: no source file imports,
//! directly or through others, a file that imports it back.
//!
//! An edge is a `use crate::…`, `use super::…` or `use self::…` (including
//! `pub use`), or an inline `crate::…` path, from one file to the file that
//! defines what it names. Names a `mod.rs` re-exports from a child resolve to
//! the child, so a parent that re-exports its children is not in a cycle with
//! a child that uses a sibling through it. `mod x;` declarations are not edges.
//!
//! Run with `--nocapture` to see every edge count and any cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A file's module path, e.g. `["kernel", "diff"]` for `kernel/diff.rs`.
type ModPath = Vec<String>;

struct Crate {
    /// Module path → file (relative to `src/`).
    files: BTreeMap<ModPath, String>,
    /// (module, name) → the child module it re-exports `name` from.
    reexports: BTreeMap<(ModPath, String), ModPath>,
}

fn src_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn module_path(rel: &str) -> ModPath {
    let stem = rel.trim_end_matches(".rs");
    let mut parts: Vec<String> = stem.split('/').map(str::to_string).collect();
    if parts.last().is_some_and(|l| l == "mod" || l == "lib") {
        parts.pop();
    }
    parts
}

/// The text without comments and string literals, so paths in docs or
/// messages are not mistaken for imports.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                i += 1;
            }
            i += 2;
        } else if b[i] == b'"' {
            // Raw strings (r#"…"#) hold no quote-escapes; plain ones may.
            let raw_hashes = raw_prefix(&out);
            i += 1;
            loop {
                if i >= b.len() {
                    break;
                }
                if raw_hashes.is_none() && b[i] == b'\\' {
                    i += 2;
                    continue;
                }
                if b[i] == b'"' {
                    let n = raw_hashes.unwrap_or(0);
                    if b[i + 1..].iter().take(n).all(|&c| c == b'#') {
                        i += 1 + n;
                        break;
                    }
                }
                i += 1;
            }
            out.push_str("\"\"");
        } else if b[i] == b'\'' && b.get(i + 2) == Some(&b'\'') {
            // A char literal such as '"' (lifetimes have no closing quote).
            i += 3;
        } else if b[i] == b'\'' && b.get(i + 1) == Some(&b'\\') {
            while i < b.len() && !(b[i] == b'\'' && b[i - 1] != b'\\' && i > 0) {
                i += 1;
            }
            i += 1;
        } else {
            out.push(b[i] as char);
            i += 1;
        }
    }
    out
}

/// `Some(hashes)` when the text just before a quote opens a raw string.
fn raw_prefix(before: &str) -> Option<usize> {
    let hashes = before.len() - before.trim_end_matches('#').len();
    let rest = &before[..before.len() - hashes];
    let is_raw = rest.ends_with('r')
        && !rest[..rest.len() - 1]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
    is_raw.then_some(hashes)
}

/// Expand a use tree (`a::{b, c::{d, self}}`) into full paths.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = Vec::new();
    expand_into(&tree, &mut Vec::new(), &mut out);
    out
}

fn expand_into(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let segments = |s: &str| -> Vec<String> {
        s.split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty() && *s != "self" && *s != "*")
            .map(str::to_string)
            .collect()
    };
    if let Some(open) = tree.find('{') {
        let body = tree[open + 1..].trim_end();
        let body = body.strip_suffix('}').unwrap_or(body);
        let n = prefix.len();
        prefix.extend(segments(&tree[..open]));
        for part in split_top(body) {
            expand_into(part.trim(), prefix, out);
        }
        prefix.truncate(n);
    } else {
        // `Foo as Bar` imports `Foo`.
        let leaf = tree.split(" as ").next().unwrap_or(tree);
        let mut p = prefix.clone();
        p.extend(segments(leaf));
        out.push(p);
    }
}

/// Split at top-level commas.
fn split_top(s: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0;
    let mut cur = String::new();
    for c in s.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts
}

/// Every `use` statement's tree, and every inline path that starts at
/// `crate`, `super` or one of `children` (this file's own submodules).
fn imports(code: &str, children: &[String]) -> Vec<String> {
    let local = |path: &str| {
        let first = path.split("::").next().unwrap_or("").trim();
        ["crate", "super", "self"].contains(&first) || children.iter().any(|c| c == first)
    };
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().next_back();
        let reexport = rest[..i].trim_end().ends_with("pub")
            || rest[..i].trim_end().ends_with("pub(crate)")
            || rest[..i].trim_end().ends_with("pub(super)");
        let after = &rest[i + 4..];
        rest = after;
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if reexport {
            // Not an import: importers of the name resolve past it.
            if let Some(end) = after.find(';') {
                rest = &after[end..];
            }
            continue;
        }
        let Some(end) = after.find(';') else { break };
        let tree = after[..end].trim();
        if local(tree) {
            out.push(tree.to_string());
        }
    }
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut i = 0;
    let bytes: Vec<char> = without_uses(code).chars().collect();
    while i < bytes.len() {
        let starts = ident(bytes[i]) && (i == 0 || !(ident(bytes[i - 1]) || bytes[i - 1] == ':'));
        if !starts {
            i += 1;
            continue;
        }
        let path: String = bytes[i..]
            .iter()
            .take_while(|c| ident(**c) || **c == ':')
            .collect();
        i += path.chars().count().max(1);
        if path.contains("::") && local(&path) {
            out.push(path.trim_end_matches(':').to_string());
        }
    }
    out
}

/// The code with its `use` statements blanked out (they are read above).
fn without_uses(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().next_back();
        out.push_str(&rest[..i]);
        let after = &rest[i + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            out.push_str("use ");
            rest = after;
            continue;
        }
        match after.find(';') {
            Some(end) => rest = &after[end..],
            None => rest = "",
        }
    }
    out.push_str(rest);
    out
}

impl Crate {
    fn load() -> (Crate, BTreeMap<ModPath, String>) {
        let src = src_dir();
        let mut paths = Vec::new();
        rust_files(&src, &mut paths);
        let mut files = BTreeMap::new();
        let mut code = BTreeMap::new();
        for p in paths {
            let rel = p
                .strip_prefix(&src)
                .map(|r| r.display().to_string())
                .unwrap_or_default();
            if rel == "main.rs" {
                continue; // the binary: a crate of its own
            }
            let m = module_path(&rel);
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            // Unit tests (by convention last in a file) are not layering.
            let text = text.split("#[cfg(test)]").next().unwrap_or_default();
            code.insert(m.clone(), code_only(text));
            files.insert(m, rel);
        }
        let mut krate = Crate {
            files,
            reexports: BTreeMap::new(),
        };
        // Re-exports of re-exports resolve over a few passes.
        for _ in 0..3 {
            for (m, text) in &code {
                for tree in pub_uses(text) {
                    for path in expand(&tree) {
                        let Some(name) = path.last() else { continue };
                        if let Some(t) = krate.resolve(m, &path) {
                            if &t != m {
                                krate.reexports.insert((m.clone(), name.clone()), t);
                            }
                        }
                    }
                }
            }
        }
        (krate, code)
    }

    /// The file `path` (as written in `from`) names.
    fn resolve(&self, from: &ModPath, path: &[String]) -> Option<ModPath> {
        let mut abs: Vec<String> = Vec::new();
        let mut segs = path.iter().peekable();
        match segs.peek().map(|s| s.as_str()) {
            Some("crate") => {
                segs.next();
            }
            Some("super") | Some("self") => {
                abs = from.clone();
                while let Some(s) = segs.peek() {
                    match s.as_str() {
                        "super" => {
                            abs.pop();
                        }
                        "self" => {}
                        _ => break,
                    }
                    segs.next();
                }
            }
            Some(first) if self.files.contains_key(&child_of(from, first)) => {
                abs = from.clone();
            }
            _ => return None,
        }
        abs.extend(segs.cloned());
        // The longest prefix that is a module file; then follow re-exports.
        let mut n = abs.len();
        while n > 0 && !self.files.contains_key(&abs[..n]) {
            n -= 1;
        }
        let mut module: ModPath = abs[..n].to_vec();
        let mut next = n;
        while let Some(name) = abs.get(next) {
            match self.reexports.get(&(module.clone(), name.clone())) {
                Some(child) => {
                    module = child.clone();
                    next += 1;
                }
                None => break,
            }
        }
        Some(module)
    }
}

fn child_of(m: &ModPath, name: &str) -> ModPath {
    m.iter()
        .cloned()
        .chain(std::iter::once(name.to_string()))
        .collect()
}

fn pub_uses(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("pub use ") {
        let after = &rest[i + 8..];
        rest = after;
        if let Some(end) = after.find(';') {
            out.push(after[..end].trim().to_string());
        }
    }
    // `pub(crate) use` and `pub(super) use` re-export too.
    let mut rest = code;
    while let Some(i) = rest.find(") use ") {
        let head = &rest[..i];
        let after = &rest[i + 6..];
        rest = after;
        if head.ends_with("pub(crate") || head.ends_with("pub(super") {
            if let Some(end) = after.find(';') {
                out.push(after[..end].trim().to_string());
            }
        }
    }
    out
}

/// Every file → the files it imports.
fn edges() -> (Crate, BTreeMap<ModPath, BTreeSet<ModPath>>) {
    let (krate, code) = Crate::load();
    let mut graph: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
    for (m, text) in &code {
        let children: Vec<String> = krate
            .files
            .keys()
            .filter(|k| k.len() == m.len() + 1 && k.starts_with(m))
            .filter_map(|k| k.last().cloned())
            .collect();
        let targets = graph.entry(m.clone()).or_default();
        for tree in imports(text, &children) {
            for path in expand(&tree) {
                if let Some(t) = krate.resolve(m, &path) {
                    if &t != m && !t.is_empty() {
                        targets.insert(t);
                    }
                }
            }
        }
    }
    (krate, graph)
}

/// Strongly connected components with more than one file (Tarjan).
fn cycles(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    struct State<'g> {
        graph: &'g BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'g ModPath, usize>,
        low: BTreeMap<&'g ModPath, usize>,
        stack: Vec<&'g ModPath>,
        on_stack: BTreeSet<&'g ModPath>,
        next: usize,
        out: Vec<Vec<ModPath>>,
    }
    fn visit<'g>(s: &mut State<'g>, v: &'g ModPath) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        let empty = BTreeSet::new();
        let graph = s.graph;
        for w in graph.get(v).unwrap_or(&empty) {
            let Some((w, _)) = graph.get_key_value(w) else {
                continue;
            };
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(&mut s, v);
        }
    }
    s.out
}

/// Cycles accepted for now. The test fails on any cycle not listed here,
/// and on a listed one that is gone, so the list can only shrink. Empty
/// since the layering work of issue 11: keep it so.
const KNOWN: &[&[&str]] = &[];

#[test]
fn no_source_file_imports_a_file_that_imports_it() {
    let (krate, graph) = edges();
    let n: usize = graph.values().map(BTreeSet::len).sum();
    println!("{} files, {n} import edges", graph.len());
    let name = |m: &ModPath| krate.files.get(m).cloned().unwrap_or_default();
    let found = cycles(&graph);
    let files = |comp: &Vec<ModPath>| -> Vec<String> {
        let mut f: Vec<String> = comp.iter().map(&name).collect();
        f.sort();
        f
    };
    let known: Vec<Vec<String>> = KNOWN
        .iter()
        .map(|k| k.iter().map(|s| s.to_string()).collect())
        .collect();
    let mut report = Vec::new();
    for comp in &found {
        let members: BTreeSet<&ModPath> = comp.iter().collect();
        let tag = if known.contains(&files(comp)) {
            "known cycle"
        } else {
            "cycle"
        };
        let mut lines = vec![format!("{tag}: {}", files(comp).join(", "))];
        for m in comp {
            for t in graph[m].iter().filter(|t| members.contains(t)) {
                lines.push(format!("  {} -> {}", name(m), name(t)));
            }
        }
        report.push(lines.join("\n"));
    }
    println!("{}", report.join("\n"));
    let new: Vec<&String> = report.iter().filter(|r| r.starts_with("cycle:")).collect();
    assert!(
        new.is_empty(),
        "import cycles:\n{}",
        new.iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    let found_files: Vec<Vec<String>> = found.iter().map(files).collect();
    let gone: Vec<String> = known
        .iter()
        .filter(|k| !found_files.contains(k))
        .map(|k| k.join(", "))
        .collect();
    assert!(
        gone.is_empty(),
        "no longer cycles, remove them from KNOWN: {gone:?}"
    );
}

#[test]
fn the_checker_sees_what_it_must() {
    assert_eq!(
        expand("crate::kernel::{diff, Coverage, read::{self, Probe as P}}"),
        [
            vec!["crate", "kernel", "diff"],
            vec!["crate", "kernel", "Coverage"],
            vec!["crate", "kernel", "read"],
            vec!["crate", "kernel", "read", "Probe"],
        ]
        .map(|v| v.into_iter().map(String::from).collect::<Vec<_>>())
    );
    let code =
        code_only("// use crate::a;\nlet s = \"crate::b\"; use super::c::D;\nx(crate::e::f());");
    assert_eq!(
        imports(&code, &["g".into()]),
        ["super::c::D", "crate::e::f"]
    );
    let code = code_only("mod g; fn x() { g::h(); y::z(); }");
    assert_eq!(imports(&code, &["g".into()]), ["g::h"]);
    let mut g = BTreeMap::new();
    let m = |s: &str| vec![s.to_string()];
    g.insert(m("a"), BTreeSet::from([m("b")]));
    g.insert(m("b"), BTreeSet::from([m("a")]));
    g.insert(m("c"), BTreeSet::from([m("a")]));
    assert_eq!(cycles(&g), [vec![m("a"), m("b")]]);
}

/// The process-boundary, namespace and signal layers have one direction
/// between them too: `sandbox` (namespaces, the boundary, the registry of
/// what must not outlive the run) is below `kernel` (which observes
/// sandboxes) and below `interrupt` (which sweeps the registry). Neither
/// `sandbox` nor anything in it imports either of them, so the two module
/// circles there once were (`interrupt` ↔ `sandbox::registry`, `kernel::ops`
/// ↔ `sandbox`) cannot come back file by file.
#[test]
fn the_sandbox_layer_imports_neither_kernel_nor_interrupt() {
    let (krate, graph) = edges();
    let top = |m: &ModPath| m.first().cloned().unwrap_or_default();
    let mut upward = Vec::new();
    for (from, targets) in &graph {
        if top(from) != "sandbox" {
            continue;
        }
        for t in targets {
            if matches!(top(t).as_str(), "kernel" | "interrupt") {
                upward.push(format!(
                    "{} -> {}",
                    krate.files.get(from).cloned().unwrap_or_default(),
                    krate.files.get(t).cloned().unwrap_or_default()
                ));
            }
        }
    }
    assert!(
        upward.is_empty(),
        "sandbox imports upward:\n{}",
        upward.join("\n")
    );
    // Positive control: the other direction exists, so the edges are seen.
    assert!(graph
        .iter()
        .any(|(f, ts)| top(f) == "interrupt" && ts.iter().any(|t| top(t) == "sandbox")));
    assert!(graph
        .iter()
        .any(|(f, ts)| top(f) == "kernel" && ts.iter().any(|t| top(t) == "sandbox")));
}
