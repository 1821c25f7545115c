// Package provider describes how the Pulumi bridge exposes the GitHub Terraform provider
// as the Pulumi package "github", for the `pulumi-resource-github` plugin this project runs.
//
// This is NOT pulumi-github's own build. github.com/pulumi/pulumi-github/provider/v6 is not
// served by the Go module proxy here (see ../shared/facts/engine.md), so this module wraps the
// same upstream Terraform provider (integrations/terraform-provider-github v6.13.0, which
// pulumi-github 6.15.0 vendors unpatched) with the same bridge (pulumi-terraform-bridge
// v3.137.0) and a ProviderInfo of our own. Our ProviderInfo keeps every option of
// pulumi-github 6.15.0 that changes what the provider does at run time, so the Python SDK
// pulumi-github==6.15.0 talks to it as it would to the real plugin; documentation and
// SDK-generation options are left out because nothing here generates an SDK.
package provider

import (
	"github.com/integrations/terraform-provider-github/v6/github"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge"
	"github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfbridge/tokens"
	shimv2 "github.com/pulumi/pulumi-terraform-bridge/v3/pkg/tfshim/sdk-v2"
)

// Version is the version the plugin reports. The Python SDK pulumi-github==6.15.0 asks the
// engine for a github provider of exactly this version.
var Version = "6.15.0"

const (
	packageName = "github"
	// Every resource lives in the "index" module, as in pulumi-github:
	// github_repository -> github:index/repository:Repository.
	indexModule = "index"
)

// Info returns the bridge's description of the provider.
//
// metadata is the bridge-metadata.json that tfgen wrote next to the schema: empty when tfgen
// itself runs (it records the metadata), the generated file when the plugin runs (it replays it).
func Info(metadata []byte) tfbridge.ProviderInfo {
	info := tfbridge.ProviderInfo{
		P:       shimv2.NewProvider(github.NewProvider(Version, "")()),
		Name:    packageName,
		Version: Version,
		// Where tfgen finds the upstream provider's docs: the module cache copy of
		// github.com/integrations/terraform-provider-github/v6.
		GitHubOrg:               "integrations",
		TFProviderModuleVersion: "v6",
		Description:             "A Pulumi package for creating and managing GitHub resources.",
		License:                 "Apache-2.0",
		MetadataInfo:            tfbridge.NewProviderMetadata(metadata),
		Config: map[string]*tfbridge.SchemaInfo{
			"base_url": {
				Default: &tfbridge.DefaultInfo{
					EnvVars: []string{"GITHUB_BASE_URL"},
					Value:   "https://api.github.com/",
				},
			},
			"token": {
				Default: &tfbridge.DefaultInfo{EnvVars: []string{"GITHUB_TOKEN"}},
				Secret:  tfbridge.True(),
			},
		},
		// Replacements that pulumi-github declares for resources this project does not use;
		// kept so that the plugin plans those resources the way the real one does.
		Resources: map[string]*tfbridge.ResourceInfo{
			"github_actions_environment_secret":     {DeleteBeforeReplace: true},
			"github_repository_collaborator":        {DeleteBeforeReplace: true},
			"github_repository_deploy_key":          {DeleteBeforeReplace: true},
			"github_repository_autolink_reference":  {DeleteBeforeReplace: true},
			"github_actions_organization_secret":    selectedRepositoriesForceNew(),
			"github_codespaces_organization_secret": selectedRepositoriesForceNew(),
			"github_dependabot_organization_secret": selectedRepositoriesForceNew(),
			// pulumi-github published `reviewers` as a list before the Terraform schema
			// capped it at one item; it still is a list there, so it is one here.
			"github_repository_environment": {Fields: map[string]*tfbridge.SchemaInfo{
				"reviewers": {MaxItemsOne: tfbridge.False()},
			}},
		},
		// The one token pulumi-github names by hand that the rule below would name otherwise.
		DataSources: map[string]*tfbridge.DataSourceInfo{
			"github_app": {Tok: "github:index/getGithubApp:getGithubApp"},
		},
		// Run-time behaviour of the bridge that pulumi-github 6.15.0 opts into.
		EnableZeroDefaultSchemaVersion: true,
		EnableAccurateBridgePreview:    true,
		EnableRawStateDelta:            true,
	}

	// Tokens for every resource and data source not named above, in pulumi-github's form;
	// the tokens it spells out by hand (Repository, RepositoryFile, BranchProtectionV3, ...)
	// are the ones this rule computes.
	info.MustComputeTokens(tokens.SingleModule("github_", indexModule, tokens.MakeStandard(packageName)))
	info.MustApplyAutoAliases()
	// Must come after Resources is complete: `name` inputs become optional and auto-named.
	info.SetAutonaming(255, "-")
	return info
}

// selectedRepositoriesForceNew replaces an organization secret when its list of selected
// repositories changes, as pulumi-github does.
func selectedRepositoriesForceNew() *tfbridge.ResourceInfo {
	return &tfbridge.ResourceInfo{Fields: map[string]*tfbridge.SchemaInfo{
		"selected_repository_ids": {ForceNew: tfbridge.True()},
	}}
}
