//! `cargo xtask modgraph`: the kernel's module import graph and its cycles.
//!
//! Nodes are the kernel's source files as module paths (`user_ta::instance`,
//! `boot`; a folder's `mod.rs` is the folder). An edge `a → b` means a file of
//! `a` names `crate::b…` (in a `use` or a path). Cycles are the strongly
//! connected components with more than one node; a cycle whose nodes all live
//! in one top-level folder (one service's own rooms) is allowed, any other is
//! reported. Only `crate::` paths count: `super::` stays inside a folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result};

/// Module path of a source file relative to `src/` (`user_ta/instance.rs` →
/// `user_ta::instance`, `crypto/mod.rs` → `crypto`); `None` for the crate roots.
fn module_of(rel: &Path) -> Option<String> {
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop()?;
    let stem = last.strip_suffix(".rs")?;
    if stem != "mod" {
        parts.push(stem.to_string());
    }
    if parts.is_empty() || (parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main")) {
        return None;
    }
    Some(parts.join("::"))
}

/// Every `crate::…` path named in `source`, as segment lists (brace groups
/// expanded one level: `crate::{a::b, c}` gives `[a, b]` and `[c]`).
pub fn crate_paths(source: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    // The leading `a::b::c` of `s`: stops at the first segment that has
    // anything after its identifier.
    let ident = |s: &str| -> Vec<String> {
        let mut segs = Vec::new();
        for seg in s.split("::") {
            let seg = seg.trim();
            let name: String = seg.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if name.is_empty() {
                break;
            }
            let whole = name.len() == seg.len();
            segs.push(name);
            if !whole {
                break;
            }
        }
        segs
    };
    let code: String = source.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        let preceded_by_ident = rest[..at].chars().last().is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$');
        rest = &rest[at + "crate::".len()..];
        if preceded_by_ident {
            continue; // e.g. `$crate::` or `other_crate::`
        }
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level items of the brace group.
            let mut depth = 0usize;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        item.push(c);
                    }
                    '}' if depth == 0 => break,
                    '}' => {
                        depth -= 1;
                        item.push(c);
                    }
                    ',' if depth == 0 => {
                        out.push(ident(&item));
                        item.clear();
                    }
                    _ => item.push(c),
                }
            }
            out.push(ident(&item));
        } else {
            out.push(ident(rest));
        }
    }
    out.retain(|p| !p.is_empty());
    out
}

/// The graph: node → the nodes it names.
pub type Graph = BTreeMap<String, BTreeSet<String>>;

/// Builds the graph of the crate whose sources are under `src`.
pub fn build(src: &Path) -> Result<Graph> {
    let mut files = Vec::new();
    collect_rs(src, &mut files)?;
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(f.strip_prefix(src).ok()?)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let rel = file.strip_prefix(src)?;
        let Some(from) = module_of(rel) else { continue };
        // Host-test files are not part of the kernel's structure.
        if rel.iter().any(|p| p == "tests" || p == "testdata") || from.ends_with("::tests") || from.ends_with("testing")
        {
            continue;
        }
        let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
        let deps = graph.entry(from.clone()).or_default();
        for path in crate_paths(&text) {
            // The longest prefix of the path that is a module.
            let target = (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| modules.contains(m));
            if let Some(target) = target
                && target != from
                && !from.starts_with(&format!("{target}::"))
            {
                deps.insert(target);
            }
        }
    }
    Ok(graph)
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_rs(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    Ok(())
}

/// Strongly connected components with more than one node (Tarjan).
pub fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    struct Walk<'a> {
        graph: &'a Graph,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        out: Vec<Vec<String>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a str) {
            self.index.insert(v, self.next);
            self.low.insert(v, self.next);
            self.next += 1;
            self.stack.push(v);
            self.on_stack.insert(v);
            let graph = self.graph;
            for w in graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut scc = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    scc.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 {
                    scc.sort();
                    self.out.push(scc);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.out
}

/// A cycle is allowed when all its nodes share one top-level folder.
pub fn is_within_one_folder(cycle: &[String]) -> bool {
    let top = |m: &String| m.split("::").next().unwrap_or("").to_string();
    cycle.iter().all(|m| m.contains("::")) && cycle.iter().map(top).collect::<BTreeSet<_>>().len() == 1
}

/// The layering verdict: whether the graph is layered, and the report lines
/// (who imports `boot`, each cross-folder cycle, the totals).
pub fn check(root: &Path) -> Result<(bool, String)> {
    let graph = build(&root.join("kernel/src"))?;
    let importers_of_boot: Vec<&String> = graph.iter().filter(|(_, d)| d.contains("boot")).map(|(m, _)| m).collect();
    let bad: Vec<Vec<String>> = cycles(&graph).into_iter().filter(|c| !is_within_one_folder(c)).collect();
    let mut report = format!(
        "modules importing boot: {}\n",
        if importers_of_boot.is_empty() { "none".to_string() } else { format!("{importers_of_boot:?}") }
    );
    for c in &bad {
        report.push_str(&format!("cycle: {}\n", c.join(" <-> ")));
    }
    report.push_str(&format!("{} module(s), {} cross-folder cycle(s)", graph.len(), bad.len()));
    Ok((bad.is_empty() && importers_of_boot.is_empty(), report))
}

/// `cargo xtask modgraph`: prints who imports `boot`, the cycles, and fails
/// when a cross-folder cycle exists or anything imports `boot`. `cargo xtask
/// test` runs the same check as the `lint/modgraph` gate.
pub fn run(root: &Path, verbose: bool) -> Result<()> {
    if verbose {
        for (from, deps) in &build(&root.join("kernel/src"))? {
            println!("{from} -> {}", deps.iter().cloned().collect::<Vec<_>>().join(", "));
        }
    }
    let (layered, report) = check(root)?;
    println!("{report}");
    anyhow::ensure!(layered, "the kernel's module graph is not layered");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_uses_groups_and_expressions() {
        let src = "use crate::{boot::halt, user_ta::{instance, run}, mm};\n\
                   use crate::session::Session; // crate::ignored\n\
                   fn f() { crate::thread::runtime::go(); $crate::x::y(); }";
        let got = crate_paths(src);
        assert!(got.contains(&vec!["boot".into(), "halt".into()]));
        assert!(got.contains(&vec!["user_ta".into()]));
        assert!(got.contains(&vec!["mm".into()]));
        assert!(got.contains(&vec!["session".into(), "Session".into()]));
        assert!(got.contains(&vec!["thread".into(), "runtime".into(), "go".into()]));
        assert!(!got.iter().any(|p| p[0] == "ignored" || p[0] == "x"));
    }

    #[test]
    fn finds_cycles_and_allows_one_folder() {
        let mut g = Graph::new();
        let mut edge = |a: &str, b: &str| {
            g.entry(a.into()).or_default().insert(b.into());
        };
        edge("boot", "thread::runtime");
        edge("thread::runtime", "boot");
        edge("crypto::hash", "crypto::state");
        edge("crypto::state", "crypto::hash");
        edge("mm", "arch");
        let cs = cycles(&g);
        assert_eq!(cs.len(), 2);
        let bad: Vec<_> = cs.iter().filter(|c| !is_within_one_folder(c)).collect();
        assert_eq!(bad, vec![&vec!["boot".to_string(), "thread::runtime".to_string()]]);
    }
}
