/**
 * What happened to one object under `CaTrust.wireAll` or `CaTrust.wireManifests`.
 */
export enum WiringOutcome {
  /** Its pod templates were wired. */
  WIRED = 'WIRED',
  /** Its pod templates have no containers: nothing to wire. */
  NO_CONTAINERS = 'NO_CONTAINERS',
  /** It carries the opt-out label or annotation. */
  OPTED_OUT = 'OPTED_OUT',
  /** Its namespace is not in `namespaces`. */
  FILTERED_NAMESPACE = 'FILTERED_NAMESPACE',
  /** Its kind is not in `kinds`. */
  FILTERED_KIND = 'FILTERED_KIND',
  /** An unknown kind that looks like it carries a pod template; not wired (see `podTemplates`). */
  UNKNOWN_POD_TEMPLATE = 'UNKNOWN_POD_TEMPLATE',
  /**
   * Wired explicitly (`MergedCaInitContainer.addTo`, a component's `applyTo`): the explicit
   * wiring's options take precedence over the chart-wide ones.
   */
  WIRED_EXPLICITLY = 'WIRED_EXPLICITLY',
  /** A Windows pod (`nodeSelector kubernetes.io/os: windows`): the merge needs /bin/sh; not wired. */
  WINDOWS = 'WINDOWS',
}

/**
 * One line of the wiring report.
 */
export interface WiringReportEntry {
  /** Construct path of the object (`wireAll`), or its place in the input (`wireManifests`). */
  readonly path: string;
  /** apiVersion/kind. */
  readonly kind: string;
  /** metadata.name */
  readonly name: string;
  /**
   * metadata.namespace
   * @default - none
   */
  readonly namespace?: string;
  /** What happened. */
  readonly outcome: WiringOutcome;
  /** Details (the pointer of an unknown pod template, the filter that excluded it). */
  readonly detail: string;
}

