//! Tightens the widget's module and its JS glue after wasm-bindgen: drops
//! the classes the glue exports that nothing uses, with the exports only
//! they called, and shortens the names the two files share.
//!
//! The classes: wasm-streams (a dependency of Leptos's server functions,
//! which this app has none of) exports three for JavaScript callers. The
//! widget's page imports only `init` from the glue (see
//! `split::import_only_init`), so a class the glue names nowhere but in its
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
    let mut names = ShortNames::default();
    let mut glue = glue.to_string();
    let (mut imports, mut exports) = (0, 0);
    let output = with_sections(module, |id, body| match id {
        2 => {
            let (body, renamed) = rename_imports(body, import_module, &mut names)?;
            for (old, new) in &renamed {
                glue = rename_import_key(&glue, old, new)?;
            }
            imports = renamed.len();
            Ok(Some(body))
        }
        7 => {
            let renames =
                |name: &str| called.contains(name) && !shared.iter().any(|kept| kept == name);
            let (body, renamed) = rename_exports(body, renames, &mut names)?;
            for (old, new) in &renamed {
                glue = rename_export_use(&glue, old, new);
            }
            exports = renamed.len();
            Ok(Some(body))
        }
        _ => Ok(None),
    })?;
    let exported = export_names(&output)?;
    for needed in called_exports(&glue).iter().chain(shared) {
        if !exported.contains(needed) {
            return Err(format!(
                "after shortening, the widget's module does not export `{needed}`, which its glue or chunk loader needs"
            ));
        }
    }
    Ok((output, glue, imports, exports))
}

/// The names a module exports.
fn export_names(module: &[u8]) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for (id, body) in sections(module)? {
        if id == 7 {
            let (count, mut next) = read_u32(body, 0)?;
            for _ in 0..count {
                let (name, after_name) = read_name(body, next)?;
                next = read_u32(body, after_name + 1)?.1;
                names.push(name);
            }
        }
    }
    Ok(names)
}

/// The module's sections after its header, as `(id, body)`.
fn sections(module: &[u8]) -> Result<Vec<(u8, &[u8])>, String> {
    if module.len() < 8 || &module[..4] != b"\0asm" {
        return Err("not a WebAssembly module".into());
    }
    let mut found = Vec::new();
    let mut at = 8;
    while at < module.len() {
        let (size, body_start) = read_u32(module, at + 1)?;
        let body_end = body_start + size as usize;
        let body = module
            .get(body_start..body_end)
            .ok_or("a section runs past the end of the module")?;
        found.push((module[at], body));
        at = body_end;
    }
    Ok(found)
}

/// The module with the new bodies `replace` gives for some of its
/// sections (`None` keeps a section as it is).
fn with_sections(
    module: &[u8],
    mut replace: impl FnMut(u8, &[u8]) -> Result<Option<Vec<u8>>, String>,
) -> Result<Vec<u8>, String> {
    let sections = sections(module)?;
    let mut output = module[..8].to_vec();
    for (id, body) in sections {
        let new_body = replace(id, body)?;
        let body = new_body.as_deref().unwrap_or(body);
        output.push(id);
        write_u32(&mut output, body.len() as u32);
        output.extend_from_slice(body);
    }
    Ok(output)
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
    let orphaned: Vec<&String> = before
        .iter()
        .filter(|name| !after.contains(*name))
        .collect();
    let module = remove_exports(module, &orphaned)?;
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

fn remove_exports(module: &[u8], names: &[&String]) -> Result<Vec<u8>, String> {
    with_sections(module, |id, body| {
        if id != 7 {
            return Ok(None);
        }
        let (count, mut next) = read_u32(body, 0)?;
        let mut kept = Vec::new();
        let mut kept_count = 0;
        for _ in 0..count {
            let (name, after_name) = read_name(body, next)?;
            let (_, end) = read_u32(body, after_name + 1)?;
            if !names.iter().any(|removed| **removed == name) {
                kept.extend_from_slice(&body[next..end]);
                kept_count += 1;
            }
            next = end;
        }
        let mut new_body = Vec::new();
        write_u32(&mut new_body, kept_count);
        new_body.extend_from_slice(&kept);
        Ok(Some(new_body))
    })
}

/// Checks what `wasm-opt --low-memory-unused` assumes: nothing lives in the
/// module's low 1 KiB. rustc lays the stack out first (the stack pointer
/// starts at 1 MiB and grows down, the data and the heap come after it), so
/// only a stack within 1 KiB of overflowing would reach there. A module
/// laid out otherwise stops the build rather than being miscompiled.
pub fn check_low_memory_unused(module: &[u8]) -> Result<(), String> {
    const LOW: u32 = 1024;
    let mut stack_start = None;
    for (id, body) in sections(module)? {
        match id {
            // Globals: the first is the stack pointer, `i32.const N`.
            6 => {
                let (_, next) = read_u32(body, 0)?;
                if body.get(next..next + 3) == Some(&[0x7f, 0x01, 0x41]) {
                    stack_start = Some(read_i32(body, next + 3)?);
                }
            }
            // Data: every active segment of memory 0 at `i32.const N`.
            11 => {
                let (count, mut next) = read_u32(body, 0)?;
                for _ in 0..count {
                    let flags = *body.get(next).ok_or("a data segment is cut short")?;
                    if flags != 0 || body.get(next + 1) != Some(&0x41) {
                        return Err("a data segment is not placed at a constant address".into());
                    }
                    let (offset, after) = read_i32_end(body, next + 2)?;
                    if (offset as u32) < LOW {
                        return Err(format!("a data segment lies at {offset}, in the low 1 KiB"));
                    }
                    let (length, data_start) = read_u32(body, after)?;
                    next = data_start + length as usize;
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

/// A signed LEB128 `i32` at `at`.
fn read_i32(bytes: &[u8], at: usize) -> Result<i32, String> {
    read_i32_end(bytes, at).map(|(value, _)| value)
}

/// A signed LEB128 `i32` followed by `end` (0x0b); the value and what follows.
fn read_i32_end(bytes: &[u8], mut at: usize) -> Result<(i32, usize), String> {
    let mut value: i64 = 0;
    let mut shift = 0;
    loop {
        let byte = *bytes.get(at).ok_or("a number runs past the end")?;
        at += 1;
        value |= i64::from(byte & 0x7f) << shift;
        shift += 7;
        if byte & 0x80 == 0 {
            if shift < 64 && byte & 0x40 != 0 {
                value |= -1 << shift;
            }
            break;
        }
        if shift > 35 {
            return Err("a number is too long".into());
        }
    }
    if bytes.get(at) == Some(&0x0b) {
        at += 1;
    }
    Ok((value as i32, at))
}

/// Hands out `a`, `b`, … `Z`, `ba`, `bb`, …: valid JS identifiers that no
/// glue name (all longer, or `memory`) can equal.
#[derive(Default)]
struct ShortNames(usize);

impl ShortNames {
    fn next(&mut self) -> String {
        const LETTERS: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut number = self.0;
        self.0 += 1;
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
}

type Renamed = Vec<(String, String)>;

impl ShortNames {
    /// `name`, or when `wanted` the next short name, noted in `renamed`.
    fn rename_if(&mut self, wanted: bool, name: String, renamed: &mut Renamed) -> String {
        if !wanted {
            return name;
        }
        let short = self.next();
        renamed.push((name, short.clone()));
        short
    }
}

fn rename_imports(
    body: &[u8],
    import_module: &str,
    names: &mut ShortNames,
) -> Result<(Vec<u8>, Renamed), String> {
    let (count, mut at) = read_u32(body, 0)?;
    let mut output = Vec::new();
    write_u32(&mut output, count);
    let mut renamed = Vec::new();
    for _ in 0..count {
        let (module, next) = read_name(body, at)?;
        let (field, next) = read_name(body, next)?;
        let description_end = skip_import_description(body, next)?;
        let field = names.rename_if(module == import_module, field, &mut renamed);
        write_name(&mut output, &module);
        write_name(&mut output, &field);
        output.extend_from_slice(&body[next..description_end]);
        at = description_end;
    }
    Ok((output, renamed))
}

fn rename_exports(
    body: &[u8],
    renames: impl Fn(&str) -> bool,
    names: &mut ShortNames,
) -> Result<(Vec<u8>, Renamed), String> {
    let (count, mut at) = read_u32(body, 0)?;
    let mut output = Vec::new();
    write_u32(&mut output, count);
    let mut renamed = Vec::new();
    for _ in 0..count {
        let (name, next) = read_name(body, at)?;
        // The kind byte, then the index.
        let (_, end) = read_u32(body, next + 1)?;
        let name = names.rename_if(renames(&name), name, &mut renamed);
        write_name(&mut output, &name);
        output.extend_from_slice(&body[next..end]);
        at = end;
    }
    Ok((output, renamed))
}

/// The end of an import's description (function, table, memory, global or tag).
fn skip_import_description(body: &[u8], at: usize) -> Result<usize, String> {
    let kind = *body.get(at).ok_or("an import has no kind")?;
    let limits = |at: usize| -> Result<usize, String> {
        let flags = *body.get(at).ok_or("limits are cut short")?;
        let (_, next) = read_u32(body, at + 1)?;
        Ok(if flags & 1 == 1 {
            read_u32(body, next)?.1
        } else {
            next
        })
    };
    match kind {
        0 => Ok(read_u32(body, at + 1)?.1),
        1 => limits(at + 2),
        2 => limits(at + 1),
        3 => Ok(at + 3),
        4 => Ok(read_u32(body, at + 2)?.1),
        other => Err(format!("an import of unknown kind {other}")),
    }
}

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

fn read_u32(bytes: &[u8], mut at: usize) -> Result<(u32, usize), String> {
    let mut value: u32 = 0;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at).ok_or("a number runs past the end")?;
        at += 1;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok((value, at));
        }
    }
    Err("a number is too long".into())
}

fn write_u32(output: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            output.push(byte);
            return;
        }
        output.push(byte | 0x80);
    }
}

fn read_name(bytes: &[u8], at: usize) -> Result<(String, usize), String> {
    let (length, start) = read_u32(bytes, at)?;
    let end = start + length as usize;
    let text = bytes.get(start..end).ok_or("a name runs past the end")?;
    let text = std::str::from_utf8(text).map_err(|_| "a name is not UTF-8".to_string())?;
    Ok((text.to_string(), end))
}

fn write_name(output: &mut Vec<u8>, name: &str) {
    write_u32(output, name.len() as u32);
    output.extend_from_slice(name.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section(id: u8, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![id];
        write_u32(&mut bytes, body.len() as u32);
        bytes.extend_from_slice(body);
        bytes
    }

    /// A module importing two functions from the glue and a memory from
    /// elsewhere, exporting the memory, an adapter and the function table.
    fn module() -> Vec<u8> {
        let mut imports = Vec::new();
        write_u32(&mut imports, 3);
        for field in ["__wbg_focus_0123456789abcdef", "__wbg_now_fedcba9876543210"] {
            write_name(&mut imports, "./glue_bg.js");
            write_name(&mut imports, field);
            imports.extend_from_slice(&[0, 0]);
        }
        write_name(&mut imports, "env");
        write_name(&mut imports, "shared");
        imports.extend_from_slice(&[2, 1, 1, 200, 1]);
        let mut exports = Vec::new();
        write_u32(&mut exports, 5);
        for (name, kind, index) in [
            ("memory", 2u8, 0u8),
            ("wasm_bindgen_invoke_closure_long_name", 0, 2),
            ("wasm_bindgen_invoke_closure_long_name_2", 0, 3),
            ("__indirect_function_table", 1, 0),
            ("__abort_handler", 3, 0),
        ] {
            write_name(&mut exports, name);
            exports.extend_from_slice(&[kind, index]);
        }
        let mut bytes = b"\0asm\x01\0\0\0".to_vec();
        bytes.extend(section(1, &[1, 0x60, 0, 0]));
        bytes.extend(section(2, &imports));
        bytes.extend(section(7, &exports));
        bytes
    }

    const LOADER: &str = "sharedImports = { __wasm_split: {  } };\n\
        const { __indirect_function_table, memory,  } = initSync(undefined, undefined);";

    const GLUE: &str = "const import0 = { __wbg_focus_0123456789abcdef: function(a) { a.focus(); },\n\
        __wbg_now_fedcba9876543210: function() { return Date.now(); } };\n\
        wasm.wasm_bindgen_invoke_closure_long_name(1); wasm.wasm_bindgen_invoke_closure_long_name_2(1); wasm.memory;";

    fn names(bytes: &[u8], id: u8) -> Vec<String> {
        let mut at = 8;
        while at < bytes.len() {
            let (size, start) = read_u32(bytes, at + 1).unwrap();
            if bytes[at] == id {
                let body = &bytes[start..start + size as usize];
                let (count, mut next) = read_u32(body, 0).unwrap();
                let mut found = Vec::new();
                for _ in 0..count {
                    if id == 2 {
                        let (module, after) = read_name(body, next).unwrap();
                        let (field, after) = read_name(body, after).unwrap();
                        found.push(format!("{module} {field}"));
                        next = skip_import_description(body, after).unwrap();
                    } else {
                        let (name, after) = read_name(body, next).unwrap();
                        found.push(name);
                        next = read_u32(body, after + 1).unwrap().1;
                    }
                }
                return found;
            }
            at = start + size as usize;
        }
        Vec::new()
    }

    #[test]
    fn the_glues_imports_and_the_called_exports_get_short_names_in_both_files() {
        let shared = shared_exports(LOADER).unwrap();
        assert_eq!(shared, ["__indirect_function_table", "memory"]);
        let (bytes, glue, imports, exports) =
            shorten(&module(), GLUE, "./glue_bg.js", &shared).unwrap();
        // Only what the glue calls is renamed: not the memory and table the
        // loader needs, nor a global nobody names.
        assert_eq!((imports, exports), (2, 2));
        assert_eq!(
            names(&bytes, 2),
            ["./glue_bg.js _a", "./glue_bg.js _b", "env shared"]
        );
        assert_eq!(
            names(&bytes, 7),
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
        // The type section came through unchanged.
        assert_eq!(&bytes[8..14], &section(1, &[1, 0x60, 0, 0])[..]);
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
            names(&bytes, 7),
            [
                "memory",
                "wasm_bindgen_invoke_closure_long_name_2",
                "__indirect_function_table",
                "__abort_handler"
            ]
        );
        // Nothing else changed.
        assert_eq!(names(&bytes, 2).len(), 3);
    }

    fn laid_out(stack_start: &[u8], data_offset: &[u8]) -> Vec<u8> {
        let mut globals = vec![1, 0x7f, 0x01, 0x41];
        globals.extend_from_slice(stack_start);
        globals.push(0x0b);
        let mut data = vec![1, 0, 0x41];
        data.extend_from_slice(data_offset);
        data.extend_from_slice(&[0x0b, 2, b'h', b'i']);
        let mut bytes = b"\0asm\x01\0\0\0".to_vec();
        bytes.extend(section(6, &globals));
        bytes.extend(section(11, &data));
        bytes
    }

    #[test]
    fn the_low_memory_check_passes_a_stack_first_layout_only() {
        // Stack pointer 1 MiB (0x100000), data at 1 MiB: rustc's layout.
        let one_mebibyte = [0x80, 0x80, 0xc0, 0x00];
        assert_eq!(
            check_low_memory_unused(&laid_out(&one_mebibyte, &one_mebibyte)),
            Ok(())
        );
        // Data at 16, in the low 1 KiB.
        let error = check_low_memory_unused(&laid_out(&one_mebibyte, &[0x10])).unwrap_err();
        assert!(error.contains("low 1 KiB"), "{error}");
        // A stack pointer starting at 1024: the stack does not come first.
        let error = check_low_memory_unused(&laid_out(&[0x80, 0x08], &one_mebibyte)).unwrap_err();
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
        let mut names = ShortNames::default();
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
