{{/*
A Celery worker Deployment. Include with
  (dict "root" $ "component" "worker" "role" "worker" "values" .Values.worker "concurrency" 2 "replicas" 2)
"replicas" is left out when an HPA owns the replica count; "concurrency" when the role sets it (worker-retune).
*/}}
{{- define "answerloop.workerDeployment" -}}
{{- $root := .root }}
{{- $v := .values }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "answerloop.fullname" $root }}-{{ .component }}
  labels:
    {{- include "answerloop.componentLabels" (dict "root" $root "component" .component) | nindent 4 }}
spec:
  {{- if hasKey . "replicas" }}
  replicas: {{ .replicas }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "answerloop.selectorLabels" (dict "root" $root "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "answerloop.selectorLabels" (dict "root" $root "component" .component) | nindent 8 }}
      annotations:
        {{- include "answerloop.checksums" $root | nindent 8 }}
        prometheus.io/scrape: "true"
        prometheus.io/port: {{ $v.metricsPort | quote }}
        {{- with $root.Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      {{- include "answerloop.podSpecCommon" $root | nindent 6 }}
      terminationGracePeriodSeconds: {{ $v.terminationGracePeriodSeconds }}
      containers:
        - name: {{ .component }}
          image: {{ include "answerloop.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- if hasKey . "concurrency" }}
          # An explicit --concurrency: Celery's default counts the node's cores, not this pod's CPUs.
          args: [{{ .role | quote }}, "--concurrency", {{ .concurrency | quote }}]
          {{- else }}
          args: [{{ .role | quote }}]
          {{- end }}
          env:
            - name: ANSWERLOOP_METRICS_PORT
              value: {{ $v.metricsPort | quote }}
          envFrom:
            {{- include "answerloop.envFrom" $root | nindent 12 }}
          ports:
            - name: metrics
              containerPort: {{ $v.metricsPort }}
          {{- if $v.probes.enabled }}
          # Liveness only, on the metrics server of the worker's main process (see values.yaml for why not
          # `celery inspect ping`, and why no readiness probe). The startup probe covers loading the models.
          startupProbe:
            {{- include "answerloop.metricsProbe" $root | nindent 12 }}
            periodSeconds: 10
            failureThreshold: 30
          livenessProbe:
            {{- include "answerloop.metricsProbe" $root | nindent 12 }}
            periodSeconds: 30
            timeoutSeconds: 5
            failureThreshold: 4
          {{- end }}
          resources:
            {{- toYaml $v.resources | nindent 12 }}
          securityContext:
            {{- toYaml $root.Values.securityContext | nindent 12 }}
          volumeMounts:
            {{- include "answerloop.volumeMounts" $root | nindent 12 }}
{{- end }}
