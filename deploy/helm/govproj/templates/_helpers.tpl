{{/* Names, labels and the list of Deployments every other template loops over. */}}

{{- define "govproj.stages" -}}
intake review budget procurement acceptance catalog
{{- end -}}

{{/* Labels on every object; a Deployment's pods add govproj.selector (which holds the instance). */}}
{{- define "govproj.labels" -}}
app.kubernetes.io/part-of: govproj
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end -}}

{{/* Selector labels of one Deployment: service and role (api | worker). */}}
{{- define "govproj.selector" -}}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/name: {{ .service }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{/* Every Deployment: the gateway (api only) and per stage service an api and a worker, values merged
     over stageDefaults. Rendered as JSON and read back with fromJsonArray. */}}
{{- define "govproj.components" -}}
{{- $out := list (dict "service" "gateway" "role" "api" "name" (printf "%s-gateway" .Release.Name) "spec" .Values.gateway "calls" (splitList " " (include "govproj.stages" .))) -}}
{{- range $service := splitList " " (include "govproj.stages" .) -}}
{{- $override := index $.Values.services $service | default dict -}}
{{- range $role := list "api" "worker" -}}
{{- $spec := mergeOverwrite (deepCopy (index $.Values.stageDefaults $role)) (deepCopy (index $override $role | default dict)) -}}
{{- $name := ternary (printf "%s-%s" $.Release.Name $service) (printf "%s-%s-worker" $.Release.Name $service) (eq $role "api") -}}
{{- $out = append $out (dict "service" $service "role" $role "name" $name "spec" $spec "calls" ($override.calls | default list)) -}}
{{- end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}

{{- define "govproj.kafkaCluster" -}}{{ .Release.Name }}-kafka{{- end -}}
{{- define "govproj.pgCluster" -}}{{ .Release.Name }}-pg{{- end -}}

{{- define "govproj.kafkaBootstrap" -}}
{{- if .Values.kafka.create -}}
{{ include "govproj.kafkaCluster" . }}-kafka-bootstrap:{{ ternary 9093 9092 .Values.kafka.tls }}
{{- else -}}
{{ required "kafka.bootstrap is required when kafka.create is false" .Values.kafka.bootstrap }}
{{- end -}}
{{- end -}}

{{- define "govproj.pgHost" -}}
{{- if .Values.postgres.create -}}
{{ include "govproj.pgCluster" . }}-rw
{{- else -}}
{{ required "postgres.host is required when postgres.create is false" .Values.postgres.host }}
{{- end -}}
{{- end -}}

{{/* Where the gateway replicas count their rate limits together (GOVPROJ_RATE_LIMIT_STORAGE): the operator's
     own Redis (gateway.rateLimit.storage), else the chart's when more than one gateway may run, else "" (one
     replica counts in its own memory). */}}
{{- define "govproj.gatewayMayScale" -}}
{{- $g := .Values.gateway -}}
{{- if or (gt (int $g.replicas) 1) (and $g.autoscaling (gt (int $g.autoscaling.maxReplicas) 1)) -}}true{{- end -}}
{{- end -}}

{{- define "govproj.rateLimitRedis" -}}
{{- if and (not .Values.gateway.rateLimit.storage) (include "govproj.gatewayMayScale" .) -}}true{{- end -}}
{{- end -}}

{{- define "govproj.rateLimitStorage" -}}
{{- if .Values.gateway.rateLimit.storage -}}
{{ .Values.gateway.rateLimit.storage }}
{{- else if include "govproj.rateLimitRedis" . -}}
redis://{{ .Release.Name }}-ratelimit:6379/0
{{- end -}}
{{- end -}}
