//! Android only: the JNI entry point behind the Kotlin
//! `org.healthsync.agent.PlatformTls.init(context)`
//! (`android-bindings/kotlin/org/healthsync/agent/PlatformTls.kt`).
//!
//! rustls-platform-verifier checks server certificates with Android's own
//! `X509TrustManager` (the device's trust store, user CAs as the app's
//! `network_security_config` allows), which it reaches through JNI: it needs
//! the JVM and the app's `Context` once per process. The uniffi API goes
//! through JNA, which never hands Rust a `JNIEnv`, so this one function is a
//! plain JNI native method; Kotlin loads the library with
//! `System.loadLibrary` for it (the same `.so` JNA uses).

use jni::EnvUnowned;
use jni::objects::{JClass, JObject};

/// `PlatformTls.nativeInit(context)`: hands the JVM and the application
/// `Context` to the platform verifier, then tells agent-core that clients
/// made from now on (at `Agent.open`) may use it. A failure is thrown in
/// Kotlin as a `RuntimeException`; the agent then keeps Mozilla's roots.
#[allow(unsafe_code)] // #[unsafe(no_mangle)]: the JVM finds a native method by its name.
#[unsafe(no_mangle)]
pub extern "system" fn Java_org_healthsync_agent_PlatformTls_nativeInit<'caller>(
    mut unowned_env: EnvUnowned<'caller>,
    _class: JClass<'caller>,
    context: JObject<'caller>,
) {
    unowned_env
        .with_env(|env| -> jni::errors::Result<()> {
            rustls_platform_verifier::android::init_with_env(env, context)?;
            agent_core::http::platform_verifier_initialised();
            Ok(())
        })
        .resolve::<jni::errors::ThrowRuntimeExAndDefault>()
}
