package io.structops.btf.internal;

/** The reader without a framework, for tests in other bundles' packages. */
public final class BtfReaderAccess extends BtfReaderComponent {
}
