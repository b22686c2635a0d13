// Compile-only stubs of android.security.keystore (API 23; signatures as in the SDK reference).
@file:Suppress("unused", "UNUSED_PARAMETER")

package android.security.keystore

import java.security.spec.AlgorithmParameterSpec

class KeyGenParameterSpec private constructor() : AlgorithmParameterSpec {
    class Builder(keystoreAlias: String, purposes: Int) {
        fun setBlockModes(vararg blockModes: String): Builder = this
        fun setEncryptionPaddings(vararg paddings: String): Builder = this
        fun setKeySize(keySize: Int): Builder = this
        fun setUserAuthenticationRequired(required: Boolean): Builder = this
        fun setRandomizedEncryptionRequired(required: Boolean): Builder = this
        fun build(): KeyGenParameterSpec = throw UnsupportedOperationException("stub")
    }
}

object KeyProperties {
    const val KEY_ALGORITHM_AES: String = "AES"
    const val PURPOSE_ENCRYPT: Int = 1
    const val PURPOSE_DECRYPT: Int = 2
    const val BLOCK_MODE_GCM: String = "GCM"
    const val BLOCK_MODE_CBC: String = "CBC"
    const val ENCRYPTION_PADDING_NONE: String = "NoPadding"
}
