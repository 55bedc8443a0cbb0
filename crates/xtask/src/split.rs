//! Splits the widget's wasm in two: what shows the form and takes answers,
//! fetched at once, and the later parts (checking answers and showing
//! errors, the review, the signature pad, planning, storing and sending), a
//! chunk the widget fetches once the form is on screen.
//!
//! The split point is the function `src/shared/later_parts.rs` marks with
//! `wasm_split`. `wasm-split-cli` needs the linker's relocations, so it
//! works on cargo's own output (built with `--emit-relocs`), before
//! wasm-bindgen. Trunk has no step between cargo and wasm-bindgen, so this
//! runs in Trunk's post-build hook (see `after_trunk`) and replaces the
//! glue and wasm Trunk wrote, under the same hashed names, then adds the
//! chunk and its loader beside them with that hash too: one build, one
//! hash, so no cache mixes two builds. Trunk does not optimise the
//! widget's wasm itself (`data-wasm-opt="0"` in `widget.html`): this
//! optimises each part after the split.

use std::fs;
use std::path::{Path, PathBuf};

use crate::{glue, root, step, Result};

/// wasm-opt for size, as Trunk's `data-wasm-opt="z"` would run it, with the
/// WebAssembly features the compiler already uses (every current browser
/// has them), and the promise that the low 1 KiB of memory is unused,
/// which lets wasm-opt fold more address arithmetic into loads and stores
/// (0.8 KB gzip; checked by `glue::check_low_memory_unused` before it is
/// made).
const WASM_OPT_ARGUMENTS: [&str; 8] = [
    "-Oz",
    "--low-memory-unused",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// The loader `wasm-split-cli` writes; the main glue imports it by this name.
const LOADER: &str = "__wasm_split.js";

pub fn split_widget(dist: &Path) -> Result {
    let stem = glue_stem(dist)?;
    let hash = stem
        .rsplit('-')
        .next()
        .ok_or_else(|| format!("{stem}.js has no hash in its name"))?
        .to_string();
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let linked = target_dir.join("wasm32-unknown-unknown/release/intake-widget.wasm");
    let work = target_dir.join("widget-split");
    let _ = fs::remove_dir_all(&work);
    let bindgen = work.join("bindgen");
    fs::create_dir_all(&bindgen)
        .map_err(|error| format!("cannot create {}: {error}", bindgen.display()))?;

    let text = |path: &Path| path.to_string_lossy().into_owned();
    step(
        "split the widget's wasm (wasm-split-cli)",
        "wasm-split-cli",
        &[&text(&linked), &text(&work), "--out-name", &stem],
        &[],
    )?;
    step(
        "JS glue for the widget's main module (wasm-bindgen)",
        "wasm-bindgen",
        &[
            "--target",
            "web",
            "--no-typescript",
            // The chunks reach the main module's memory and function table
            // through these exports.
            "--keep-lld-exports",
            "--out-dir",
            &text(&bindgen),
            &text(&work.join(format!("{stem}.wasm"))),
        ],
        &[],
    )?;
    let bindgen_module = bindgen.join(format!("{stem}_bg.wasm"));
    let bindgen_glue = bindgen.join(format!("{stem}.js"));
    let split_module = work.join(format!("{stem}.wasm"));
    glue::check_low_memory_unused(
        &fs::read(&split_module)
            .map_err(|error| format!("cannot read {}: {error}", split_module.display()))?,
    )?;
    let mut loader = read(&work.join(LOADER))?;
    let shared = glue::shared_exports(&loader)?;
    tighten_glue(&bindgen_module, &bindgen_glue, &stem, &shared)?;
    optimise(&bindgen_module, &dist.join(format!("{stem}_bg.wasm")))?;

    for chunk in chunk_names(&work, &stem)? {
        let hashed = format!("{chunk}-{hash}.wasm");
        optimise(&work.join(format!("{chunk}.wasm")), &dist.join(&hashed))?;
        let original = format!("\"./{chunk}.wasm\"");
        if !loader.contains(&original) {
            return Err(format!("{LOADER} does not load {chunk}.wasm"));
        }
        loader = loader.replace(&original, &format!("\"./{hashed}\""));
    }
    let hashed_loader = LOADER.replace(".js", &format!("-{hash}.js"));
    write(&dist.join(&hashed_loader), &loader)?;
    minify(&dist.join(&hashed_loader))?;

    // Only the import's specifier changes: the wasm's own import module,
    // the key of the imports object, keeps the loader's original name.
    let glue = read(&bindgen_glue)?;
    let original = format!("from \"./{LOADER}\"");
    if !glue.contains(&original) {
        return Err(format!("the widget's glue does not import {LOADER}"));
    }
    let glue_path = dist.join(format!("{stem}.js"));
    write(
        &glue_path,
        &glue.replace(&original, &format!("from \"./{hashed_loader}\"")),
    )?;
    minify(&glue_path)
}

/// Minifies a module in place with terser (from `tools/`, installed by
/// setup): the glue is about 7.5 KB gzip as wasm-bindgen writes it and
/// about 5.9 KB minified. Property names are kept, so the wasm's imports
/// still find their functions.
fn minify(path: &Path) -> Result {
    let file = path.to_string_lossy().into_owned();
    let terser = root().join("tools/node_modules/terser/bin/terser");
    step(
        "minify a widget script (terser)",
        "node",
        &[
            &terser.to_string_lossy(),
            &file,
            "--module",
            "--compress",
            "--mangle",
            "--output",
            &file,
        ],
        &[],
    )
}

/// Drops what nothing uses from the module and its glue, and gives the
/// names they share short ones (see `glue`).
fn tighten_glue(module_path: &Path, glue_path: &Path, stem: &str, shared: &[String]) -> Result {
    eprintln!("==> drop unused classes and shorten the names the widget's module and glue share");
    let module = fs::read(module_path)
        .map_err(|error| format!("cannot read {}: {error}", module_path.display()))?;
    let glue = read(glue_path)?;
    let (module, glue, _) = glue::drop_unused_classes(&module, &glue)?;
    let (module, glue, _, _) = glue::shorten(&module, &glue, &format!("./{stem}_bg.js"), shared)?;
    fs::write(module_path, module)
        .map_err(|error| format!("cannot write {}: {error}", module_path.display()))?;
    write(glue_path, &glue)
}

/// `intake-widget-<hash>`: the name Trunk gave the widget's glue.
fn glue_stem(dist: &Path) -> Result<String> {
    let entries =
        fs::read_dir(dist).map_err(|error| format!("cannot read {}: {error}", dist.display()))?;
    entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .find_map(|name| {
            name.strip_prefix("intake-widget-")?
                .strip_suffix(".js")
                .map(|hash| format!("intake-widget-{hash}"))
        })
        .ok_or_else(|| format!("{} has no intake-widget-<hash>.js", dist.display()))
}

/// The chunks `wasm-split-cli` wrote beside the main module, by file stem.
fn chunk_names(work: &Path, stem: &str) -> Result<Vec<String>> {
    let entries =
        fs::read_dir(work).map_err(|error| format!("cannot read {}: {error}", work.display()))?;
    let mut chunks: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.strip_suffix(".wasm").map(str::to_string))
        .filter(|name| name != stem)
        .collect();
    chunks.sort();
    if chunks.is_empty() {
        return Err(
            "wasm-split-cli wrote no chunk: is the split point still marked in src/shared/later_parts.rs?"
                .into(),
        );
    }
    Ok(chunks)
}

fn optimise(input: &Path, output: &Path) -> Result {
    let input = input.to_string_lossy().into_owned();
    let output = output.to_string_lossy().into_owned();
    let mut arguments: Vec<&str> = WASM_OPT_ARGUMENTS.to_vec();
    arguments.extend([input.as_str(), "-o", output.as_str()]);
    step(
        "optimise a widget module (wasm-opt)",
        "wasm-opt",
        &arguments,
        &[],
    )
}

fn read(path: &Path) -> Result<String> {
    fs::read_to_string(path).map_err(|error| format!("cannot read {}: {error}", path.display()))
}

fn write(path: &Path, text: &str) -> Result {
    fs::write(path, text).map_err(|error| format!("cannot write {}: {error}", path.display()))
}
