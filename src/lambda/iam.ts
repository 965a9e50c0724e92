import type { Manifest, Route } from '../manifest/types.js'

/** An IAM policy statement of a template: resources as ARNs or CloudFormation's Fn::Sub. */
export interface PolicyStatement {
  Sid: string
  Effect: 'Allow'
  Action: string[]
  Resource: (string | { 'Fn::Sub': string })[] | string
}

const sub = (text: string) => ({ 'Fn::Sub': text })

/** Lambda's ENIs in the cluster's VPC: EC2 offers no resource-level permission for these. */
const VPC_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeVpcs',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
]

/**
 * The least a route's function needs: its own log group; the secrets it and AWS's mapping read;
 * for a route AWS polls from Amazon MSK, the cluster's description and Lambda's network
 * interfaces in its VPC; and with MSK IAM sign-in, the cluster, the topics the function writes
 * (the manifest's topics, for its responders, and its dead-letter topic) and, polled by AWS,
 * reading its own topic as its consumer group.
 */
export function functionPolicy(manifest: Manifest, route: Route): PolicyStatement[] {
  const functionName = route.functionName!
  const polledByAws = route.poller === 'aws' && route.aws !== undefined
  const source = manifest.lambda?.eventSource
  const cluster = source?.mskCluster
  const statements: PolicyStatement[] = [
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [sub(`arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*`)],
    },
  ]
  const secrets = [manifest.lambda?.secrets, ...(polledByAws ? [source?.authSecret, source?.caSecret] : [])].filter(
    (arn): arn is string => typeof arn === 'string',
  )
  if (secrets.length > 0) {
    statements.push({ Sid: 'Secrets', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [...new Set(secrets)] })
  }
  if (polledByAws && cluster) {
    statements.push(
      { Sid: 'MskCluster', Effect: 'Allow', Action: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'], Resource: [cluster] },
      { Sid: 'MskNetwork', Effect: 'Allow', Action: VPC_ACTIONS, Resource: '*' },
    )
  }
  if (manifest.app.sasl?.mechanism === 'oauthbearer') {
    // MSK's data-plane ARNs: cluster/<name>/<uuid> becomes topic/<name>/<uuid>/<topic> and group/<name>/<uuid>/<group>.
    const arn = (kind: 'topic' | 'group', name: string) =>
      cluster
        ? cluster.replace(/:cluster\/([^/]+)\/([^/]+)$/, `:${kind}/$1/$2/${name}`)
        : sub(`arn:\${AWS::Partition}:kafka:\${AWS::Region}:\${AWS::AccountId}:${kind}/*/*/${name}`)
    const clusterArn = cluster ?? sub('arn:${AWS::Partition}:kafka:${AWS::Region}:${AWS::AccountId}:cluster/*/*')
    const written = [...new Set([...Object.keys(manifest.topics), ...(route.deadLetter ? [route.deadLetter] : [])])]
    statements.push(
      {
        Sid: 'KafkaCluster',
        Effect: 'Allow',
        Action: [
          'kafka-cluster:Connect',
          'kafka-cluster:DescribeCluster',
          'kafka-cluster:WriteDataIdempotently',
          ...(polledByAws ? ['kafka-cluster:DescribeClusterDynamicConfiguration'] : []),
        ],
        Resource: [clusterArn],
      },
      {
        Sid: 'KafkaWrite',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        Resource: written.map((topic) => arn('topic', topic)),
      },
    )
    if (polledByAws) {
      statements.push(
        {
          Sid: 'KafkaRead',
          Effect: 'Allow',
          Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
          Resource: [arn('topic', route.topic)],
        },
        {
          Sid: 'KafkaGroup',
          Effect: 'Allow',
          Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          Resource: [arn('group', route.aws!.consumerGroupId)],
        },
      )
    }
  }
  return statements
}
