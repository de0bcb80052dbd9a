# The generated MAML help: complete, well-formed, and in step with the cmdlets' real parameters.

BeforeDiscovery {
    . "$PSScriptRoot/TestHelpers.ps1"
    $commandCases = $PSVmmCmdlets + $PSVmmFunctions | ForEach-Object { @{ Name = $_ } }
}

BeforeAll {
    . "$PSScriptRoot/TestHelpers.ps1"
    $modulePath = Get-PSVmmModulePath
    Import-Module $modulePath -Force
    $mamlPath = Join-Path (Split-Path $modulePath) 'en-US/PSVmm.dll-Help.xml'
    $generator = Join-Path $env:PSVMM_ROOT 'build/New-MamlHelp.ps1'
}

Describe 'The MAML file' {
    It 'is well-formed and has one command per cmdlet and function' {
        $mamlPath | Should -Exist
        [xml]$xml = Get-Content -Raw -LiteralPath $mamlPath
        $ns = [System.Xml.XmlNamespaceManager]::new($xml.NameTable)
        $ns.AddNamespace('command', 'http://schemas.microsoft.com/maml/dev/command/2004/10')
        $ns.AddNamespace('maml', 'http://schemas.microsoft.com/maml/2004/10')
        $ns.AddNamespace('dev', 'http://schemas.microsoft.com/maml/dev/2004/10')
        $names = @($xml.SelectNodes('//command:command/command:details/command:name', $ns) | ForEach-Object InnerText | Sort-Object)
        $names | Should -Be @($PSVmmCmdlets + $PSVmmFunctions | Sort-Object)
        foreach ($command in $xml.SelectNodes('//command:command', $ns)) {
            foreach ($path in 'command:details/maml:description/maml:para', 'maml:description/maml:para', 'command:syntax/command:syntaxItem',
                'command:parameters', 'command:inputTypes/command:inputType', 'command:returnValues/command:returnValue',
                'command:examples/command:example/dev:code', 'command:examples/command:example/dev:remarks') {
                $command.SelectNodes($path, $ns).Count | Should -BeGreaterThan 0 -Because "$($command.details.name) needs $path"
            }
        }
    }
}

Describe 'Help for <Name> matches the command' -ForEach $commandCases {
    BeforeAll {
        $command = Get-Command $Name -Module PSVmm
        $help = Get-Help $Name -Full
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters
    }

    It 'has one syntax block per parameter set' {
        @($help.Syntax.SyntaxItem).Count | Should -Be $command.ParameterSets.Count
    }

    It 'describes each parameter as the cmdlet declares it' {
        foreach ($p in $help.Parameters.Parameter) {
            $real = $command.Parameters[$p.Name]
            $real | Should -Not -BeNullOrEmpty -Because "help documents -$($p.Name)"
            $attributes = @($real.Attributes | Where-Object { $_ -is [Parameter] })

            $required = [bool]($attributes | Where-Object Mandatory)
            $p.Required | Should -Be "$required".ToLowerInvariant() -Because "-$($p.Name) Required"

            $helpAliases = if ($p.Aliases -eq 'none') { @() } else { @($p.Aliases -split ',\s*') }
            @($helpAliases | Sort-Object) | Should -Be @($real.Aliases | Sort-Object) -Because "-$($p.Name) Aliases"

            $kinds = @(
                if ($attributes | Where-Object ValueFromPipelineByPropertyName) { 'ByPropertyName' }
                if ($attributes | Where-Object ValueFromPipeline) { 'ByValue' }
            )
            $helpKinds = if ($p.PipelineInput -match '\(([^)]*)\)') { @($Matches[1] -split ',\s*' | Sort-Object) } else { @() }
            $helpKinds | Should -Be @($kinds | Sort-Object) -Because "-$($p.Name) pipeline input"

            $wildcards = [bool]($real.Attributes | Where-Object { $_ -is [SupportsWildcards] })
            $p.Globbing | Should -Be "$wildcards".ToLowerInvariant() -Because "-$($p.Name) wildcards"

            $positions = @($attributes | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Sort-Object -Unique)
            $expected = if ($positions.Count) { "$($positions[0])" } else { 'named' }
            $p.Position | Should -Be $expected -Because "-$($p.Name) position"
        }
    }

    It 'documents exactly the parameters the cmdlet has' {
        @($help.Parameters.Parameter.Name | Sort-Object) |
            Should -Be @($command.Parameters.Keys | Where-Object { $_ -notin $common } | Sort-Object)
    }
}

Describe 'New-MamlHelp.ps1' {
    BeforeAll {
        function Invoke-Generator([string] $Markdown) {
            $source = Join-Path $TestDrive ([guid]::NewGuid())
            $null = New-Item -ItemType Directory -Path $source
            Set-Content -LiteralPath (Join-Path $source 'Test-Thing.md') -Value $Markdown
            $destination = Join-Path $source 'out/Test.dll-Help.xml'
            $pwsh = Get-PwshInvocation
            $null = & $pwsh.Exe @($pwsh.Prefix) -NoLogo -NoProfile -NonInteractive -File $generator -Source $source -Destination $destination 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Destination = $destination }
        }

        $complete = @'
# Test-Thing

## SYNOPSIS
Tests a thing.

## SYNTAX

```
Test-Thing [-Name] <String>
```

## DESCRIPTION
Long text.

## EXAMPLES

### Example 1
```powershell
PS> Test-Thing x
```

Tests x.

## PARAMETERS

### -Name
The name.

```yaml
Type: String
Parameter Sets: (All)
Aliases:

Required: True
Position: 0
Default value: None
Accept pipeline input: False
Accept wildcard characters: False
```

## INPUTS

### None

## OUTPUTS

### System.String
'@
    }

    It 'turns a complete file into MAML' {
        $result = Invoke-Generator $complete
        $result.ExitCode | Should -Be 0
        [xml]$xml = Get-Content -Raw -LiteralPath $result.Destination
        $xml.helpItems.command.details.name | Should -Be 'Test-Thing'
        $xml.helpItems.command.examples.example.code | Should -Be 'PS> Test-Thing x'
        $xml.helpItems.command.syntax.syntaxItem.parameter.position | Should -Be '0'
    }

    It 'refuses a file without <Section>' -ForEach @(
        @{ Section = 'EXAMPLES'; Pattern = '(?s)## EXAMPLES.*?(?=## PARAMETERS)' }
        @{ Section = 'a SYNOPSIS'; Pattern = '(?s)## SYNOPSIS.*?(?=## SYNTAX)' }
        @{ Section = 'a DESCRIPTION'; Pattern = '(?s)## DESCRIPTION.*?(?=## EXAMPLES)' }
        @{ Section = 'a yaml block for a parameter'; Pattern = '(?s)```yaml.*?```' }
    ) {
        $broken = [regex]::Replace($complete, $Pattern, '')
        $broken | Should -Not -Be $complete
        $result = Invoke-Generator $broken
        $result.ExitCode | Should -Be 1
        $result.Destination | Should -Not -Exist
    }
}
