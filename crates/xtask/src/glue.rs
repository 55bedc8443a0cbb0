//! Tightens the widget's module and its JS glue after wasm-bindgen: drops
//! the classes the glue exports that nothing uses, with the exports only
//! they called, and shortens the names the two files share.
//!
//! The classes: wasm-streams (a dependency of Leptos's server functions,
//! which this app has none of) exports three for JavaScript callers. The
//! widget's page imports only `init` from the glue (see
//! `pattern_script` in `Trunk.toml`), so a class the glue names nowhere but in its
//! own definition is dead, and so is the code behind the exports it alone
//! called: about 1.8 KB gzip.
//!
//! wasm-bindgen names every import the module takes from the glue
//! `__wbg_<method>_<16 hex digits>` and every closure adapter it exports
//! after the closure's full Rust type, hundreds of characters long. Each
//! name is written twice, once in the module and once in the glue, and the
//! hex digits do not compress: about 5 KB gzip of the widget's first load.
//! This gives each of them a short name (`a`, `b`, … `ba`, …) in both files,
//! as emscripten's `--minify-imports-and-exports` does.
//!
//! Only the imports of the glue's own module and the exports the glue calls
//! as `wasm.<name>` change; the exports the chunk loader hands to the chunks
//! by name (read from the loader, see [`shared_exports`]) keep theirs, as
//! does every export nobody calls by name. A name the glue does not hold
//! exactly where expected, or a name the glue or the loader needs that the
//! module no longer exports, stops the build: better no widget than one
//! that fails at start-up.

use wasm_encoder::reencode::{Reencode, RoundtripReencoder};
use wasmparser::{ConstExpr, DataKind, Operator, Parser, Payload, ValType};

/// The exports the chunk loader takes from the main module by name: the
/// `const { memory, __indirect_function_table, … } = initSync(` line that
/// wasm-split-cli writes.
pub fn shared_exports(loader: &str) -> Result<Vec<String>, String> {
    let end = loader
        .find("} = initSync(")
        .ok_or("the chunk loader does not take the main module's exports from initSync")?;
    let start = loader[..end]
        .rfind("const {")
        .ok_or("the chunk loader's initSync line has no `const {`")?;
    Ok(loader[start + "const {".len()..end]
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect())
}

/// Renames in place: `module` is the wasm-bindgen output, `glue` its JS,
/// `import_module` the name the module imports the glue under
/// (`./<stem>_bg.js`), `shared` the exports the chunks take by name.
/// Returns how many imports and exports were renamed.
pub fn shorten(
    module: &[u8],
    glue: &str,
    import_module: &str,
    shared: &[String],
) -> Result<(Vec<u8>, String, usize, usize), String> {
    let called = called_exports(glue);
    let names = ShortNames::default();
    let (mut imports, mut exports) = (Renamed::new(), Renamed::new());
    let output = rewrite_names(
        module,
        |from, name| names.rename_if(from == import_module, name, &mut imports),
        |name| {
            let wanted = called.contains(name) && !shared.iter().any(|kept| kept == name);
            Some(names.rename_if(wanted, name, &mut exports))
        },
    )?;
    let mut glue = glue.to_string();
    for (old, new) in &imports {
        glue = rename_import_key(&glue, old, new)?;
    }
    for (old, new) in &exports {
        glue = rename_export_use(&glue, old, new);
    }
    let exported = export_names(&output)?;
    for needed in called_exports(&glue).iter().chain(shared) {
        if !exported.contains(needed) {
            return Err(format!(
                "after shortening, the widget's module does not export `{needed}`, which its glue or chunk loader needs"
            ));
        }
    }
    Ok((output, glue, imports.len(), exports.len()))
}

/// The module with its imports and exports renamed, and exports dropped,
/// as the two functions say (`import(module, name)` gives the new name;
/// `export(name)` gives it, or `None` to drop the export). Every other
/// section is copied byte for byte.
fn rewrite_names(
    module: &[u8],
    mut import: impl FnMut(&str, &str) -> String,
    mut export: impl FnMut(&str) -> Option<String>,
) -> Result<Vec<u8>, String> {
    let mut output = wasm_encoder::Module::new();
    for payload in Parser::new(0).parse_all(module) {
        match payload.map_err(unreadable)? {
            Payload::ImportSection(reader) => {
                let mut section = wasm_encoder::ImportSection::new();
                for item in reader.into_imports() {
                    let item = item.map_err(unreadable)?;
                    let kind = RoundtripReencoder.entity_type(item.ty).map_err(|error| {
                        format!("cannot copy the import `{}`: {error}", item.name)
                    })?;
                    section.import(item.module, &import(item.module, item.name), kind);
                }
                output.section(&section);
            }
            Payload::ExportSection(reader) => {
                let mut section = wasm_encoder::ExportSection::new();
                for item in reader {
                    let item = item.map_err(unreadable)?;
                    if let Some(name) = export(item.name) {
                        section.export(&name, item.kind.into(), item.index);
                    }
                }
                output.section(&section);
            }
            other => {
                if let Some((id, range)) = other.as_section() {
                    let data = module
                        .get(range)
                        .ok_or("a section runs past the end of the module")?;
                    output.section(&wasm_encoder::RawSection { id, data });
                }
            }
        }
    }
    Ok(output.finish())
}

fn unreadable(error: wasmparser::BinaryReaderError) -> String {
    format!("the widget's module cannot be read: {error}")
}

/// The names a module exports.
fn export_names(module: &[u8]) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for payload in Parser::new(0).parse_all(module) {
        if let Payload::ExportSection(reader) = payload.map_err(unreadable)? {
            for item in reader {
                names.push(item.map_err(unreadable)?.name.to_string());
            }
        }
    }
    Ok(names)
}

/// Removes the exported classes the glue uses nowhere else, and from the
/// module the exports only they called. Returns the module, the glue and
/// the classes dropped.
pub fn drop_unused_classes(
    module: &[u8],
    glue: &str,
) -> Result<(Vec<u8>, String, Vec<String>), String> {
    let before = called_exports(glue);
    let mut glue = glue.to_string();
    let mut dropped = Vec::new();
    let classes: Vec<String> = glue
        .match_indices("\nexport class ")
        .filter_map(|(index, found)| {
            let rest = &glue[index + found.len()..];
            let name: String = rest
                .chars()
                .take_while(|&c| is_identifier_char(c))
                .collect();
            rest[name.len()..].starts_with(" {").then_some(name)
        })
        .collect();
    for name in classes {
        let without = remove_class(&glue, &name);
        if !contains_word(&without, &name) {
            glue = without;
            dropped.push(name);
        }
    }
    let after = called_exports(&glue);
    let orphaned = |name: &str| before.contains(name) && !after.contains(name);
    let module = rewrite_names(
        module,
        |_, name| name.to_string(),
        |name| (!orphaned(name)).then(|| name.to_string()),
    )?;
    Ok((module, glue, dropped))
}

/// The glue without the class `name`: its definition, the line that makes
/// it disposable and its finalization registry.
fn remove_class(glue: &str, name: &str) -> String {
    let mut glue = glue.to_string();
    if let Some(start) = glue.find(&format!("\nexport class {name} {{")) {
        if let Some(length) = glue[start + 1..].find("\n}\n") {
            glue.replace_range(start + 1..start + 1 + length + 3, "");
        }
    }
    let dispose = format!("if (Symbol.dispose) {name}.prototype");
    if let Some(start) = glue.find(&dispose) {
        let end = glue[start..]
            .find('\n')
            .map_or(glue.len(), |end| start + end + 1);
        glue.replace_range(start..end, "");
    }
    let registry = format!("const {name}Finalization = ");
    if let Some(start) = glue.find(&registry) {
        if let Some(length) = glue[start..].find(";\n") {
            glue.replace_range(start..start + length + 2, "");
        }
    }
    glue
}

fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(index, _)| {
        !text[..index].ends_with(is_identifier_char)
            && !text[index + word.len()..].starts_with(is_identifier_char)
    })
}

/// Every name the glue calls as `wasm.<name>`.
fn called_exports(glue: &str) -> std::collections::BTreeSet<String> {
    glue.match_indices("wasm.")
        .filter(|(index, _)| !glue[..*index].ends_with(is_identifier_char))
        .map(|(index, found)| {
            glue[index + found.len()..]
                .chars()
                .take_while(|&c| is_identifier_char(c))
                .collect()
        })
        .collect()
}

/// Checks what `wasm-opt --low-memory-unused` assumes: nothing lives in the
/// module's low 1 KiB. rustc lays the stack out first (the stack pointer
/// starts at 1 MiB and grows down, the data and the heap come after it), so
/// only a stack within 1 KiB of overflowing would reach there. A module
/// laid out otherwise stops the build rather than being miscompiled.
pub fn check_low_memory_unused(module: &[u8]) -> Result<(), String> {
    const LOW: u32 = 1024;
    let mut stack_start = None;
    for payload in Parser::new(0).parse_all(module) {
        match payload.map_err(unreadable)? {
            // The first global is the stack pointer, a mutable i32.
            Payload::GlobalSection(reader) => {
                if let Some(global) = reader.into_iter().next() {
                    let global = global.map_err(unreadable)?;
                    if global.ty.content_type == ValType::I32 && global.ty.mutable {
                        stack_start = constant(&global.init_expr);
                    }
                }
            }
            Payload::DataSection(reader) => {
                for segment in reader {
                    let DataKind::Active {
                        memory_index: 0,
                        offset_expr,
                    } = segment.map_err(unreadable)?.kind
                    else {
                        return Err("a data segment is not placed in memory 0 at load".into());
                    };
                    let offset = constant(&offset_expr)
                        .ok_or("a data segment is not placed at a constant address")?;
                    if (offset as u32) < LOW {
                        return Err(format!("a data segment lies at {offset}, in the low 1 KiB"));
                    }
                }
            }
            _ => {}
        }
    }
    match stack_start {
        Some(start) if start >= 64 * 1024 => Ok(()),
        other => Err(format!(
            "the stack does not come first in memory (its pointer starts at {other:?})"
        )),
    }
}

/// The value of a constant expression that is one `i32.const`.
fn constant(expression: &ConstExpr) -> Option<i32> {
    let mut operators = expression.get_operators_reader();
    match (operators.read().ok()?, operators.read().ok()?) {
        (Operator::I32Const { value }, Operator::End) => Some(value),
        _ => None,
    }
}

/// Hands out `a`, `b`, … `Z`, `ba`, `bb`, …: valid JS identifiers that no
/// glue name (all longer, or `memory`) can equal.
/// One counter serves the imports and the exports, so no two names meet.
#[derive(Default)]
struct ShortNames(std::cell::Cell<usize>);

impl ShortNames {
    fn next(&self) -> String {
        const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut number = self.0.get();
        self.0.set(number + 1);
        let mut name = vec![LETTERS[number % LETTERS.len()]];
        number /= LETTERS.len();
        while number > 0 {
            name.push(LETTERS[number % LETTERS.len()]);
            number /= LETTERS.len();
        }
        name.reverse();
        // "_" first keeps them apart from the few short names a glue
        // might hold itself.
        format!("_{}", String::from_utf8_lossy(&name))
    }

    /// `name`, or when `wanted` the next short name, noted in `renamed`.
    fn rename_if(&self, wanted: bool, name: &str, renamed: &mut Renamed) -> String {
        if !wanted {
            return name.to_string();
        }
        let short = self.next();
        renamed.push((name.to_string(), short.clone()));
        short
    }
}

type Renamed = Vec<(String, String)>;

/// The glue provides each import as one `name: function…` entry of its
/// imports object: exactly one `name:` must be there.
fn rename_import_key(glue: &str, old: &str, new: &str) -> Result<String, String> {
    let key = format!("{old}:");
    let found: Vec<usize> = glue
        .match_indices(&key)
        .map(|(index, _)| index)
        .filter(|&index| !glue[..index].ends_with(is_identifier_char))
        .collect();
    match found.as_slice() {
        [index] => Ok(format!("{}{new}:{}", &glue[..*index], &glue[index + key.len()..])),
        _ => Err(format!(
            "the widget's glue holds the import `{old}` {} times, not once: cannot shorten its names",
            found.len()
        )),
    }
}

/// Every `wasm.name` (and nothing that merely starts with it).
fn rename_export_use(glue: &str, old: &str, new: &str) -> String {
    let pattern = format!("wasm.{old}");
    let mut output = String::with_capacity(glue.len());
    let mut rest = glue;
    while let Some(index) = rest.find(&pattern) {
        let end = index + pattern.len();
        let whole = !rest[..index].ends_with(is_identifier_char)
            && !rest[end..].starts_with(is_identifier_char);
        output.push_str(&rest[..index]);
        if whole {
            output.push_str("wasm.");
            output.push_str(new);
        } else {
            output.push_str(&pattern);
        }
        rest = &rest[end..];
    }
    output.push_str(rest);
    output
}

fn is_identifier_char(character: char) -> bool {
    character.is_ascii_alphanumeric() || character == '_' || character == '$'
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_encoder::{
        ConstExpr as Constant, DataSection, EntityType, ExportKind, ExportSection, GlobalSection,
        GlobalType, ImportSection, MemoryType, Module, TypeSection, ValType as Type,
    };

    /// A module importing two functions from the glue and a memory from
    /// elsewhere, exporting the memory, two adapters, the function table
    /// and a global.
    fn module() -> Vec<u8> {
        let mut types = TypeSection::new();
        types.ty().function([], []);
        let mut imports = ImportSection::new();
        for field in ["__wbg_focus_0123456789abcdef", "__wbg_now_fedcba9876543210"] {
            imports.import("./glue_bg.js", field, EntityType::Function(0));
        }
        let memory = MemoryType {
            minimum: 1,
            maximum: Some(200),
            memory64: false,
            shared: false,
            page_size_log2: None,
        };
        imports.import("env", "shared", memory);
        let mut exports = ExportSection::new();
        for (name, kind, index) in [
            ("memory", ExportKind::Memory, 0),
            ("wasm_bindgen_invoke_closure_long_name", ExportKind::Func, 2),
            (
                "wasm_bindgen_invoke_closure_long_name_2",
                ExportKind::Func,
                3,
            ),
            ("__indirect_function_table", ExportKind::Table, 0),
            ("__abort_handler", ExportKind::Global, 0),
        ] {
            exports.export(name, kind, index);
        }
        let mut module = Module::new();
        module.section(&types).section(&imports).section(&exports);
        module.finish()
    }

    const LOADER: &str = "sharedImports = { __wasm_split: {  } };\n\
        const { __indirect_function_table, memory,  } = initSync(undefined, undefined);";

    const GLUE: &str = "const import0 = { __wbg_focus_0123456789abcdef: function(a) { a.focus(); },\n\
        __wbg_now_fedcba9876543210: function() { return Date.now(); } };\n\
        wasm.wasm_bindgen_invoke_closure_long_name(1); wasm.wasm_bindgen_invoke_closure_long_name_2(1); wasm.memory;";

    /// The module's imports as `module name`.
    fn imports(bytes: &[u8]) -> Vec<String> {
        let mut found = Vec::new();
        for payload in Parser::new(0).parse_all(bytes) {
            if let Payload::ImportSection(reader) = payload.unwrap() {
                for item in reader.into_imports() {
                    let item = item.unwrap();
                    found.push(format!("{} {}", item.module, item.name));
                }
            }
        }
        found
    }

    #[test]
    fn the_glues_imports_and_the_called_exports_get_short_names_in_both_files() {
        let shared = shared_exports(LOADER).unwrap();
        assert_eq!(shared, ["__indirect_function_table", "memory"]);
        let (bytes, glue, imported, exported) =
            shorten(&module(), GLUE, "./glue_bg.js", &shared).unwrap();
        // Only what the glue calls is renamed: not the memory and table the
        // loader needs, nor a global nobody names.
        assert_eq!((imported, exported), (2, 2));
        assert_eq!(
            imports(&bytes),
            ["./glue_bg.js _a", "./glue_bg.js _b", "env shared"]
        );
        assert_eq!(
            export_names(&bytes).unwrap(),
            [
                "memory",
                "_c",
                "_d",
                "__indirect_function_table",
                "__abort_handler"
            ]
        );
        assert!(glue.contains("_a: function(a) { a.focus(); }"));
        assert!(glue.contains("_b: function() { return Date.now(); }"));
        // A name that starts with another is renamed as itself, not as a prefix.
        assert!(glue.contains("wasm._c(1); wasm._d(1);"), "{glue}");
        assert!(glue.contains("wasm.memory;"));
        // The type section came through byte for byte: id, size, one
        // function type with no parameters and no results.
        assert_eq!(&bytes[8..14], &[1, 4, 1, 0x60, 0, 0]);
    }

    #[test]
    fn an_import_the_glue_does_not_hold_once_stops_the_build() {
        let glue = GLUE.replace("__wbg_now_fedcba9876543210:", "other:");
        let error = shorten(&module(), &glue, "./glue_bg.js", &[]).unwrap_err();
        assert!(error.contains("__wbg_now_fedcba9876543210"), "{error}");
    }

    #[test]
    fn a_name_the_loader_needs_that_the_module_lacks_stops_the_build() {
        let needed = ["memory".to_string(), "__wasm_split_shared0".to_string()];
        let error = shorten(&module(), GLUE, "./glue_bg.js", &needed).unwrap_err();
        assert!(error.contains("__wasm_split_shared0"), "{error}");
    }

    const CLASSES: &str = "import { x } from './y.js';\n\
        export class Unused {\n    free() {\n        wasm.wasm_bindgen_invoke_closure_long_name(1);\n    }\n}\n\
        if (Symbol.dispose) Unused.prototype[Symbol.dispose] = Unused.prototype.free;\n\
        export class Used {\n    get() { return wasm.memory; }\n}\n\
        const UnusedFinalization = (typeof FinalizationRegistry === 'undefined')\n    ? { register: () => {} }\n    : new FinalizationRegistry(ptr => wasm.wasm_bindgen_invoke_closure_long_name(ptr));\n\
        function wrap(ptr) { return Used.__wrap(ptr); }\n";

    #[test]
    fn classes_nothing_uses_go_with_the_exports_only_they_called() {
        let (bytes, glue, dropped) = drop_unused_classes(&module(), CLASSES).unwrap();
        assert_eq!(dropped, ["Unused"]);
        assert!(!glue.contains("Unused"), "{glue}");
        assert!(glue.contains("export class Used {"));
        assert!(glue.contains("function wrap(ptr)"));
        // The one export only the dropped class called is gone; exports the
        // glue never named were never in question.
        assert_eq!(
            export_names(&bytes).unwrap(),
            [
                "memory",
                "wasm_bindgen_invoke_closure_long_name_2",
                "__indirect_function_table",
                "__abort_handler"
            ]
        );
        // Nothing else changed.
        assert_eq!(imports(&bytes), imports(&module()));
    }

    fn laid_out(stack_start: i32, data_offset: i32) -> Vec<u8> {
        let mut globals = GlobalSection::new();
        let pointer = GlobalType {
            val_type: Type::I32,
            mutable: true,
            shared: false,
        };
        globals.global(pointer, &Constant::i32_const(stack_start));
        let mut data = DataSection::new();
        data.active(0, &Constant::i32_const(data_offset), *b"hi");
        let mut module = Module::new();
        module.section(&globals).section(&data);
        module.finish()
    }

    #[test]
    fn the_low_memory_check_passes_a_stack_first_layout_only() {
        // Stack pointer and data at 1 MiB: rustc's layout.
        let one_mebibyte = 1 << 20;
        assert_eq!(
            check_low_memory_unused(&laid_out(one_mebibyte, one_mebibyte)),
            Ok(())
        );
        // Data at 16, in the low 1 KiB.
        let error = check_low_memory_unused(&laid_out(one_mebibyte, 16)).unwrap_err();
        assert!(error.contains("low 1 KiB"), "{error}");
        // A stack pointer starting at 1024: the stack does not come first.
        let error = check_low_memory_unused(&laid_out(1024, one_mebibyte)).unwrap_err();
        assert!(error.contains("stack"), "{error}");
    }

    #[test]
    fn what_is_not_a_module_is_refused() {
        assert!(shorten(b"\0as", GLUE, "./glue_bg.js", &[]).is_err());
        assert!(check_low_memory_unused(b"nope").is_err());
        let mut cut = module();
        cut.truncate(cut.len() - 3);
        assert!(shorten(&cut, GLUE, "./glue_bg.js", &[]).is_err());
    }

    #[test]
    fn short_names_are_distinct_identifiers() {
        let names = ShortNames::default();
        let all: Vec<String> = (0..3000).map(|_| names.next()).collect();
        let distinct: std::collections::HashSet<&String> = all.iter().collect();
        assert_eq!(distinct.len(), all.len());
        assert!(all.iter().all(
            |name| name.starts_with('_') && name[1..].chars().all(|c| c.is_ascii_alphabetic())
        ));
        assert_eq!(&all[..3], ["_a", "_b", "_c"]);
        assert_eq!(all[52], "_ba");
    }
}
