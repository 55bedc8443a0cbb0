//! The device's vault: what a stored submission must keep (the person's
//! answers, sensitive ones and signatures included) is encrypted before it
//! reaches localStorage, with an AES-GCM key the browser made and will not
//! export. The key lives in this site's IndexedDB as a `CryptoKey` object,
//! which script can use but never read, so a copy of the storage, an
//! extension reading it or a person looking at the browser's storage panel
//! finds only ciphertext; the page that made it can still send it at the
//! next visit.
//!
//! Where the browser has no IndexedDB or WebCrypto (some private modes,
//! some third-party iframes), nothing is sealed and nothing is stored: the
//! submission is sent from the page's memory, and the person is not told it
//! is saved on the device.
//!
//! The browser's objects are reached by name (`Reflect`), not through
//! web-sys's typed bindings: every typed binding is one more import in the
//! JavaScript glue, which the widget's first load carries even though only
//! its later part seals anything.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const DATABASE: &str = "intake-vault";
const STORE: &str = "keys";
const KEY_NAME: &str = "outbox";
/// AES-GCM's recommended nonce length, in bytes.
const NONCE_BYTES: usize = 12;

thread_local! {
    /// The key once read or made, for the rest of the page's life.
    static KEY: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// `target[name]`, when it is there.
fn get(target: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(name))
        .ok()
        .filter(|value| !value.is_undefined() && !value.is_null())
}

/// `target[name](...arguments)`.
fn call(target: &JsValue, name: &str, arguments: &[&JsValue]) -> Option<JsValue> {
    let function: Function = get(target, name)?.dyn_into().ok()?;
    let list = Array::new();
    for argument in arguments {
        list.push(argument);
    }
    Reflect::apply(&function, target, &list).ok()
}

/// Awaits what `call` returned when it is a promise.
async fn settled(promise: JsValue) -> Option<JsValue> {
    JsFuture::from(promise.dyn_into::<Promise>().ok()?)
        .await
        .ok()
}

/// Waits for an IndexedDB request and returns its result.
async fn finished(request: &JsValue) -> Option<JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let _ = Reflect::set(request, &"onsuccess".into(), &resolve);
        let _ = Reflect::set(request, &"onerror".into(), &reject);
    });
    JsFuture::from(promise).await.ok()?;
    Reflect::get(request, &"result".into()).ok()
}

/// Opens the vault's database, making its one store the first time.
async fn database() -> Option<JsValue> {
    let factory = get(&js_sys::global(), "indexedDB")?;
    let opening = call(&factory, "open", &[&DATABASE.into(), &JsValue::from(1)])?;
    let upgrade = {
        let opening = opening.clone();
        Closure::<dyn FnMut()>::new(move || {
            if let Some(database) = get(&opening, "result") {
                let _ = call(&database, "createObjectStore", &[&STORE.into()]);
            }
        })
    };
    let _ = Reflect::set(&opening, &"onupgradeneeded".into(), upgrade.as_ref());
    let result = finished(&opening).await;
    let _ = Reflect::set(&opening, &"onupgradeneeded".into(), &JsValue::NULL);
    drop(upgrade);
    result
}

/// The store of keys, in a transaction of `mode`.
fn store(database: &JsValue, mode: &str) -> Option<JsValue> {
    let transaction = call(database, "transaction", &[&STORE.into(), &mode.into()])?;
    call(&transaction, "objectStore", &[&STORE.into()])
}

/// The browser's WebCrypto `subtle` object.
fn subtle() -> Option<JsValue> {
    get(&get(&js_sys::global(), "crypto")?, "subtle")
}

/// The device's key: read from the vault, or made and put there.
async fn key() -> Option<JsValue> {
    if let Some(key) = KEY.with(|cell| cell.borrow().clone()) {
        return Some(key);
    }
    let database = database().await?;
    let read = call(&store(&database, "readonly")?, "get", &[&KEY_NAME.into()])?;
    let key = match finished(&read).await.filter(|key| key.is_object()) {
        Some(key) => key,
        None => {
            let algorithm = Object::new();
            Reflect::set(&algorithm, &"name".into(), &"AES-GCM".into()).ok()?;
            Reflect::set(&algorithm, &"length".into(), &JsValue::from(256)).ok()?;
            let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
            // Not extractable: script can use it, never read it.
            let made = call(
                &subtle()?,
                "generateKey",
                &[&algorithm, &JsValue::FALSE, &usages],
            )?;
            let key = settled(made).await?;
            let write = call(
                &store(&database, "readwrite")?,
                "put",
                &[&key, &KEY_NAME.into()],
            )?;
            finished(&write).await?;
            key
        }
    };
    KEY.with(|cell| *cell.borrow_mut() = Some(key.clone()));
    Some(key)
}

/// The AES-GCM parameters for one nonce.
fn aes_gcm(nonce: &[u8]) -> Option<JsValue> {
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &"AES-GCM".into()).ok()?;
    Reflect::set(&algorithm, &"iv".into(), &Uint8Array::from(nonce)).ok()?;
    Some(algorithm.into())
}

/// `text` encrypted with the device's key, as base64 of nonce and
/// ciphertext; `None` where the browser cannot keep a key.
pub async fn seal(text: &str) -> Option<String> {
    let key = key().await?;
    let nonce = Uint8Array::new_with_length(NONCE_BYTES as u32);
    call(
        &get(&js_sys::global(), "crypto")?,
        "getRandomValues",
        &[&nonce],
    )?;
    let nonce = nonce.to_vec();
    let plain = Uint8Array::from(text.as_bytes());
    let encrypting = call(&subtle()?, "encrypt", &[&aes_gcm(&nonce)?, &key, &plain])?;
    let sealed = Uint8Array::new(&settled(encrypting).await?).to_vec();
    let mut bytes = nonce;
    bytes.extend_from_slice(&sealed);
    // btoa takes one character per byte.
    let binary: String = bytes.iter().map(|byte| char::from(*byte)).collect();
    call(&js_sys::global(), "btoa", &[&binary.into()])?.as_string()
}

/// What [`seal`] wrote, decrypted; `None` when this device's key is gone
/// (storage cleared) or the text was not sealed by it.
pub async fn open(sealed: &str) -> Option<String> {
    let key = key().await?;
    let binary = call(&js_sys::global(), "atob", &[&sealed.into()])?.as_string()?;
    let bytes: Vec<u8> = binary
        .chars()
        .map(|character| u8::try_from(u32::from(character)).ok())
        .collect::<Option<Vec<u8>>>()?;
    if bytes.len() <= NONCE_BYTES {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
    let decrypting = call(
        &subtle()?,
        "decrypt",
        &[&aes_gcm(nonce)?, &key, &Uint8Array::from(ciphertext)],
    )?;
    let plain = Uint8Array::new(&settled(decrypting).await?).to_vec();
    String::from_utf8(plain).ok()
}
