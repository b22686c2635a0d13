//! The uniffi-bindgen command line, built from the same uniffi version as the
//! bindings crate so generated code and scaffolding always agree. Run it in
//! library mode on the built `libandroid_bindings.so` (see `docs/android.md`).

fn main() {
    uniffi::uniffi_bindgen_main()
}
