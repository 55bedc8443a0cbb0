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
//! submission is sent from the page's memory, and the person is told it is
//! not kept on the device.

use std::cell::RefCell;

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DATABASE: &str = "intake-vault";
const STORE: &str = "keys";
const KEY_NAME: &str = "outbox";
/// AES-GCM's recommended nonce length, in bytes.
const NONCE_BYTES: usize = 12;

thread_local! {
    /// The key once read or made, for the rest of the page's life.
    static KEY: RefCell<Option<CryptoKey>> = const { RefCell::new(None) };
}

/// Waits for an IndexedDB request and returns its result.
async fn finished(request: &IdbRequest) -> Option<JsValue> {
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        request.set_onsuccess(Some(&resolve));
        request.set_onerror(Some(&reject));
    });
    JsFuture::from(promise).await.ok()?;
    request.result().ok()
}

/// Opens the vault's database, making its one store the first time.
async fn database() -> Option<IdbDatabase> {
    let factory = web_sys::window()?.indexed_db().ok()??;
    let opening: IdbOpenDbRequest = factory.open_with_u32(DATABASE, 1).ok()?;
    let upgrade = {
        let opening = opening.clone();
        wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            if let Some(database) = opening
                .result()
                .ok()
                .and_then(|result| result.dyn_into::<IdbDatabase>().ok())
            {
                let _ = database.create_object_store(STORE);
            }
        })
    };
    opening.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let result = finished(&opening).await;
    opening.set_onupgradeneeded(None);
    drop(upgrade);
    result?.dyn_into().ok()
}

/// The device's key: read from the vault, or made and put there.
async fn key() -> Option<CryptoKey> {
    if let Some(key) = KEY.with(|cell| cell.borrow().clone()) {
        return Some(key);
    }
    let database = database().await?;
    let read = database
        .transaction_with_str(STORE)
        .ok()?
        .object_store(STORE)
        .ok()?
        .get(&JsValue::from_str(KEY_NAME))
        .ok()?;
    let key = match finished(&read).await?.dyn_into::<CryptoKey>() {
        Ok(key) => key,
        Err(_) => {
            let subtle = web_sys::window()?.crypto().ok()?.subtle();
            let algorithm = Object::new();
            Reflect::set(&algorithm, &"name".into(), &"AES-GCM".into()).ok()?;
            Reflect::set(&algorithm, &"length".into(), &JsValue::from(256)).ok()?;
            let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
            // Not extractable: script can use it, never read it.
            let made = subtle
                .generate_key_with_object(&algorithm, false, &usages)
                .ok()?;
            let key: CryptoKey = JsFuture::from(made).await.ok()?.dyn_into().ok()?;
            let write = database
                .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
                .ok()?
                .object_store(STORE)
                .ok()?
                .put_with_key(&key, &JsValue::from_str(KEY_NAME))
                .ok()?;
            finished(&write).await?;
            key
        }
    };
    KEY.with(|cell| *cell.borrow_mut() = Some(key.clone()));
    Some(key)
}

/// The AES-GCM parameters for one nonce.
fn aes_gcm(nonce: &[u8]) -> Option<Object> {
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &"AES-GCM".into()).ok()?;
    Reflect::set(&algorithm, &"iv".into(), &Uint8Array::from(nonce)).ok()?;
    Some(algorithm)
}

/// `text` encrypted with the device's key, as base64 of nonce and
/// ciphertext; `None` where the browser cannot keep a key.
pub async fn seal(text: &str) -> Option<String> {
    let key = key().await?;
    let window = web_sys::window()?;
    let mut nonce = [0u8; NONCE_BYTES];
    window
        .crypto()
        .ok()?
        .get_random_values_with_u8_array(&mut nonce)
        .ok()?;
    let encrypting = window
        .crypto()
        .ok()?
        .subtle()
        .encrypt_with_object_and_u8_array(&aes_gcm(&nonce)?, &key, text.as_bytes())
        .ok()?;
    let sealed = Uint8Array::new(&JsFuture::from(encrypting).await.ok()?).to_vec();
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(&sealed);
    // btoa takes one character per byte.
    let binary: String = bytes.iter().map(|byte| char::from(*byte)).collect();
    window.btoa(&binary).ok()
}

/// What [`seal`] wrote, decrypted; `None` when this device's key is gone
/// (storage cleared) or the text was not sealed by it.
pub async fn open(sealed: &str) -> Option<String> {
    let key = key().await?;
    let window = web_sys::window()?;
    let binary = window.atob(sealed).ok()?;
    let bytes: Vec<u8> = binary
        .chars()
        .map(|character| u8::try_from(u32::from(character)).ok())
        .collect::<Option<Vec<u8>>>()?;
    if bytes.len() <= NONCE_BYTES {
        return None;
    }
    let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
    let decrypting = window
        .crypto()
        .ok()?
        .subtle()
        .decrypt_with_object_and_u8_array(&aes_gcm(nonce)?, &key, ciphertext)
        .ok()?;
    let plain = Uint8Array::new(&JsFuture::from(decrypting).await.ok()?).to_vec();
    String::from_utf8(plain).ok()
}
