{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "answerloop.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, with the chart name unless the release already holds it. */}}
{{- define "answerloop.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "answerloop.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "answerloop.labels" -}}
helm.sh/chart: {{ include "answerloop.chart" . }}
app.kubernetes.io/name: {{ include "answerloop.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component: include with (dict "root" $ "component" "worker"). */}}
{{- define "answerloop.selectorLabels" -}}
app.kubernetes.io/name: {{ include "answerloop.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "answerloop.componentLabels" -}}
{{ include "answerloop.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "answerloop.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret every pod reads its tokens from: the user's, or the chart's. */}}
{{- define "answerloop.secretName" -}}
{{- default (include "answerloop.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{- define "answerloop.configMapName" -}}
{{- include "answerloop.fullname" . }}
{{- end }}

{{/* Keys of the chart's Secret, from values; empty ones are left out. */}}
{{- define "answerloop.secretData" -}}
{{- $s := .Values.secrets }}
{{- $data := dict }}
{{- range $key, $value := dict "DATABASE_URL" $s.databaseUrl "REDIS_URL" $s.redisUrl "SLACK_BOT_TOKEN" $s.slackBotToken "SLACK_APP_TOKEN" $s.slackAppToken "SLACK_SIGNING_SECRET" $s.slackSigningSecret "ANSWERLOOP_LLM_API_KEY" $s.llmApiKey "ANSWERLOOP_EMBEDDINGS_API_KEY" $s.embeddingsApiKey "SLACK_CLIENT_ID" $s.slackClientId "SLACK_CLIENT_SECRET" $s.slackClientSecret "ANSWERLOOP_TOKEN_KEYS" $s.tokenKeys }}
{{- if $value }}
{{- $_ := set $data $key $value }}
{{- end }}
{{- end }}
{{- toYaml $data }}
{{- end }}

{{/* Refuse to render a release that could not start, with the value to set. */}}
{{- define "answerloop.validate" -}}
{{- if not (has .Values.bot.mode (list "socket" "http")) }}
{{- fail (printf "bot.mode must be socket or http, not %q" .Values.bot.mode) }}
{{- end }}
{{- if not .Values.secrets.existingSecret }}
{{- $s := .Values.secrets }}
{{- if not $s.databaseUrl }}{{ fail "Set secrets.databaseUrl (Postgres with pgvector) or secrets.existingSecret." }}{{ end }}
{{- if not $s.redisUrl }}{{ fail "Set secrets.redisUrl or secrets.existingSecret." }}{{ end }}
{{- if and (not $s.slackBotToken) (not $s.slackClientId) }}{{ fail "Set secrets.slackBotToken (xoxb-…), or secrets.slackClientId/slackClientSecret/tokenKeys for multi-workspace installs, or secrets.existingSecret." }}{{ end }}
{{- if and $s.slackClientId (or (not $s.slackClientSecret) (not $s.tokenKeys)) }}{{ fail "Multi-workspace installs need secrets.slackClientSecret and secrets.tokenKeys (JSON list of keys from `answerloop slack new-key`)." }}{{ end }}
{{- if and (eq .Values.bot.mode "socket") (not $s.slackAppToken) }}{{ fail "bot.mode=socket needs secrets.slackAppToken (xapp-…, connections:write), or secrets.existingSecret." }}{{ end }}
{{- if and (eq .Values.bot.mode "http") (not $s.slackSigningSecret) }}{{ fail "bot.mode=http needs secrets.slackSigningSecret, or secrets.existingSecret." }}{{ end }}
{{- end }}
{{- end }}

{{/* Environment of the long-running pods: the ConfigMap, then the Secret. */}}
{{- define "answerloop.envFrom" -}}
- configMapRef:
    name: {{ include "answerloop.configMapName" . }}
- secretRef:
    name: {{ include "answerloop.secretName" . }}
{{- end }}

{{/* Restarts pods when their settings change (they are read at start). */}}
{{- define "answerloop.checksums" -}}
checksum/config: {{ toYaml .Values.config | sha256sum }}
checksum/secret: {{ include "answerloop.secretData" . | sha256sum }}
{{- end }}

{{- define "answerloop.podSpecCommon" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
volumes:
  - name: tmp
    emptyDir: {}
  - name: home
    emptyDir: {}
{{- end }}

{{/* Writable folders under a read-only root filesystem: /tmp, and ANSWERLOOP_HOME (= HOME: caches). */}}
{{- define "answerloop.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: home
  mountPath: /var/lib/answerloop
{{- end }}

{{- define "answerloop.metricsProbe" -}}
httpGet:
  path: /metrics
  port: metrics
{{- end }}
