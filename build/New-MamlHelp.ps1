<#
.SYNOPSIS
Turns platyPS-schema markdown (one file per cmdlet) into one MAML help file for Get-Help.

.DESCRIPTION
Reads every <Verb-Noun>.md in -Source (about_*.md files are skipped), parses the platyPS 2.0.0
sections (SYNOPSIS, SYNTAX, DESCRIPTION, EXAMPLES, PARAMETERS with their yaml blocks, INPUTS,
OUTPUTS, NOTES, RELATED LINKS) and writes the MAML command help that PowerShell expects in
<module>/<culture>/<Assembly>.dll-Help.xml. Fails (exit code 1) on a file that lacks a synopsis,
a description or an example, so a build can never ship stub help.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $Source,
    [Parameter(Mandatory)] [string] $Destination
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}

# ---- Markdown parsing -------------------------------------------------------------------------

# Splits lines into sections at headings of the given level ('## ' or '### '); code fences are respected.
function Split-Section([string[]] $Lines, [string] $Prefix) {
    $sections = [System.Collections.Generic.List[object]]::new()
    $current = $null
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') { $inFence = -not $inFence }
        if (-not $inFence -and $line.StartsWith($Prefix) -and -not $line.StartsWith($Prefix + '#')) {
            $current = [pscustomobject]@{ Title = $line.Substring($Prefix.Length).Trim(); Lines = [System.Collections.Generic.List[string]]::new() }
            $sections.Add($current)
        }
        elseif ($null -ne $current) {
            $current.Lines.Add($line)
        }
    }
    , $sections
}

# Paragraphs of plain text (blank-line separated), leaving fenced code out unless asked.
function Get-Paragraph([string[]] $Lines) {
    $paras = [System.Collections.Generic.List[string]]::new()
    $buffer = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    foreach ($line in $Lines) {
        if ($line -match '^\s*```') {
            $inFence = -not $inFence
            continue
        }
        if ($inFence) { continue }
        if ($line.Trim() -eq '') {
            if ($buffer.Count) { $paras.Add(($buffer -join ' ')); $buffer.Clear() }
        }
        else { $buffer.Add($line.Trim()) }
    }
    if ($buffer.Count) { $paras.Add(($buffer -join ' ')) }
    , $paras
}

# The fenced code blocks: @{ Lang; Text }, and the text lines outside them.
function Get-CodeBlock([string[]] $Lines) {
    $blocks = [System.Collections.Generic.List[object]]::new()
    $code = $null
    $lang = ''
    foreach ($line in $Lines) {
        if ($line -match '^\s*```(\w*)') {
            if ($null -eq $code) { $code = [System.Collections.Generic.List[string]]::new(); $lang = $Matches[1] }
            else { $blocks.Add([pscustomobject]@{ Lang = $lang; Text = ($code -join "`n") }); $code = $null }
            continue
        }
        if ($null -ne $code) { $code.Add($line) }
    }
    , $blocks
}

function ConvertFrom-YamlBlock([string] $Text) {
    $map = [ordered]@{}
    foreach ($line in $Text -split "`n") {
        if ($line -match '^\s*([^:]+):\s*(.*)$') { $map[$Matches[1].Trim()] = $Matches[2].Trim() }
    }
    $map
}

function Read-CommandHelp([string] $Path) {
    $lines = [string[]](Get-Content -LiteralPath $Path)
    $name = ($lines | Where-Object { $_ -match '^# ' } | Select-Object -First 1)
    if (-not $name) { throw "$Path has no '# Verb-Noun' title." }
    $name = $name.Substring(2).Trim()
    $sections = @{}
    foreach ($s in (Split-Section $lines '## ')) { $sections[$s.Title.ToUpperInvariant()] = $s.Lines }

    function Need([string] $key) {
        if (-not $sections.ContainsKey($key)) { throw "$Path has no '## $key' section." }
        $sections[$key]
    }

    $help = [ordered]@{ Name = $name; Path = $Path }
    $help.Synopsis = (Get-Paragraph (Need 'SYNOPSIS')) -join ' '
    $help.Description = Get-Paragraph (Need 'DESCRIPTION')
    if (-not $help.Synopsis) { throw "$Path has an empty SYNOPSIS." }
    if (-not $help.Description.Count) { throw "$Path has an empty DESCRIPTION." }

    # Parameter sets named in SYNTAX ("### Name (Default)"), in order.
    $help.Sets = @(foreach ($s in (Split-Section (Need 'SYNTAX') '### ')) { ($s.Title -replace '\s*\(Default\)\s*$', '').Trim() })
    if (-not $help.Sets.Count) { $help.Sets = @('__AllParameterSets') }

    $help.Examples = @(foreach ($s in (Split-Section (Need 'EXAMPLES') '### ')) {
            $code = Get-CodeBlock $s.Lines
            if (-not $code.Count) { throw "$Path example '$($s.Title)' has no code block." }
            [pscustomobject]@{ Title = $s.Title; Code = ($code.Text -join "`n`n"); Remarks = Get-Paragraph $s.Lines }
        })
    if (-not $help.Examples.Count) { throw "$Path has no example." }

    $help.Parameters = @(foreach ($s in (Split-Section (Need 'PARAMETERS') '### ')) {
            if ($s.Title -eq 'CommonParameters') { continue }
            $yaml = @((Get-CodeBlock $s.Lines) | Where-Object Lang -EQ 'yaml' | ForEach-Object { ConvertFrom-YamlBlock $_.Text })
            if (-not $yaml.Count) { throw "$Path parameter '$($s.Title)' has no yaml block." }
            [pscustomobject]@{ Name = $s.Title.TrimStart('-'); Description = Get-Paragraph $s.Lines; Yaml = $yaml }
        })

    $typeSections = {
        param($key)
        if (-not $sections.ContainsKey($key)) { return @() }
        @(foreach ($s in (Split-Section $sections[$key] '### ')) { [pscustomobject]@{ Type = $s.Title; Description = Get-Paragraph $s.Lines } })
    }
    $help.Inputs = & $typeSections 'INPUTS'
    $help.Outputs = & $typeSections 'OUTPUTS'
    $help.Notes = if ($sections.ContainsKey('NOTES')) { Get-Paragraph $sections['NOTES'] } else { @() }
    $help.Links = @(if ($sections.ContainsKey('RELATED LINKS')) {
            foreach ($line in $sections['RELATED LINKS']) {
                if ($line -match '\[([^\]]+)\]\(([^)]*)\)') { [pscustomobject]@{ Text = $Matches[1]; Uri = if ($Matches[2] -match '^https?:') { $Matches[2] } else { '' } } }
            }
        })
    [pscustomobject]$help
}

# ---- MAML writing -----------------------------------------------------------------------------

function Write-Para([System.Xml.XmlWriter] $w, $paragraphs) {
    foreach ($p in @($paragraphs)) { $w.WriteElementString('maml', 'para', $ns.maml, $p) }
}

function Write-Description([System.Xml.XmlWriter] $w, $paragraphs) {
    $w.WriteStartElement('maml', 'description', $ns.maml)
    Write-Para $w $paragraphs
    $w.WriteEndElement()
}

function Test-InSet($yaml, [string] $set) {
    $sets = $yaml['Parameter Sets']
    if (-not $sets -or $sets -eq '(All)' -or $set -eq '__AllParameterSets') { return $true }
    ($sets -split ',' | ForEach-Object Trim) -contains $set
}

function Get-PipelineInput($yaml) { if ($yaml['Accept pipeline input']) { $yaml['Accept pipeline input'] } else { 'False' } }
function Get-Position($yaml) { $p = $yaml['Position']; if (-not $p -or $p -eq 'Named') { 'named' } else { $p } }
function Test-Switch($yaml) { $yaml['Type'] -eq 'SwitchParameter' }

function Write-Parameter([System.Xml.XmlWriter] $w, $param, $yaml, [bool] $inSyntax) {
    $w.WriteStartElement('command', 'parameter', $ns.command)
    $w.WriteAttributeString('required', "$($yaml['Required'] -eq 'True')".ToLowerInvariant())
    $w.WriteAttributeString('variableLength', "$($yaml['Type'] -like '*`[`]')".ToLowerInvariant())
    $w.WriteAttributeString('globbing', "$($yaml['Accept wildcard characters'] -eq 'True')".ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', (Get-PipelineInput $yaml))
    $w.WriteAttributeString('position', (Get-Position $yaml))
    $aliases = if ($yaml['Aliases']) { $yaml['Aliases'] } else { 'none' }
    $w.WriteAttributeString('aliases', $aliases)
    $w.WriteElementString('maml', 'name', $ns.maml, $param.Name)
    Write-Description $w $param.Description
    if (-not ($inSyntax -and (Test-Switch $yaml))) {
        $w.WriteStartElement('command', 'parameterValue', $ns.command)
        $w.WriteAttributeString('required', "$(-not (Test-Switch $yaml))".ToLowerInvariant())
        $w.WriteAttributeString('variableLength', 'false')
        $w.WriteString($yaml['Type'])
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $ns.dev)
    $w.WriteElementString('maml', 'name', $ns.maml, $yaml['Type'])
    $w.WriteEndElement()
    $default = if ($yaml['Default value']) { $yaml['Default value'] } else { 'None' }
    $w.WriteElementString('dev', 'defaultValue', $ns.dev, $default)
    $w.WriteEndElement()
}

function Write-TypeList([System.Xml.XmlWriter] $w, [string] $listName, [string] $itemName, $items) {
    $w.WriteStartElement('command', $listName, $ns.command)
    foreach ($item in $items) {
        $w.WriteStartElement('command', $itemName, $ns.command)
        $w.WriteStartElement('dev', 'type', $ns.dev)
        $w.WriteElementString('maml', 'name', $ns.maml, $item.Type)
        $w.WriteEndElement()
        Write-Description $w $item.Description
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
}

function Write-Command([System.Xml.XmlWriter] $w, $help) {
    $verb, $noun = $help.Name -split '-', 2
    $w.WriteStartElement('command', 'command', $ns.command)

    $w.WriteStartElement('command', 'details', $ns.command)
    $w.WriteElementString('command', 'name', $ns.command, $help.Name)
    $w.WriteElementString('command', 'verb', $ns.command, $verb)
    $w.WriteElementString('command', 'noun', $ns.command, $noun)
    Write-Description $w $help.Synopsis
    $w.WriteEndElement()

    Write-Description $w $help.Description

    $w.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $help.Sets) {
        $w.WriteStartElement('command', 'syntaxItem', $ns.command)
        $w.WriteElementString('maml', 'name', $ns.maml, $help.Name)
        # Positional parameters first (by position), then the rest in document order.
        $inSet = @(foreach ($p in $help.Parameters) {
                $y = $p.Yaml | Where-Object { Test-InSet $_ $set } | Select-Object -First 1
                if ($y) { [pscustomobject]@{ Param = $p; Yaml = $y; Order = if ((Get-Position $y) -eq 'named') { 1000 } else { [int](Get-Position $y) } } }
            })
        foreach ($entry in ($inSet | Sort-Object -Stable Order)) { Write-Parameter $w $entry.Param $entry.Yaml $true }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($p in $help.Parameters) {
        # One entry per parameter; a parameter required in any set is shown as required.
        $y = [ordered]@{} + $p.Yaml[0]
        if ($p.Yaml | Where-Object { $_['Required'] -eq 'True' }) { $y['Required'] = 'True' }
        Write-Parameter $w $p $y $false
    }
    $w.WriteEndElement()

    Write-TypeList $w 'inputTypes' 'inputType' $help.Inputs
    Write-TypeList $w 'returnValues' 'returnValue' $help.Outputs

    $w.WriteStartElement('maml', 'alertSet', $ns.maml)
    $w.WriteStartElement('maml', 'alert', $ns.maml)
    Write-Para $w $help.Notes
    $w.WriteEndElement()
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $ns.command)
    foreach ($ex in $help.Examples) {
        $w.WriteStartElement('command', 'example', $ns.command)
        $w.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($ex.Title) --------------------------")
        $w.WriteElementString('dev', 'code', $ns.dev, $ex.Code)
        $w.WriteStartElement('dev', 'remarks', $ns.dev)
        Write-Para $w $ex.Remarks
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($link in $help.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $w.WriteElementString('maml', 'linkText', $ns.maml, $link.Text)
        $w.WriteElementString('maml', 'uri', $ns.maml, $link.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteEndElement()
}

# about_*.md become about_*.help.txt: headings in capitals, body indented, code kept as it is.
function ConvertTo-AboutText([string] $Path) {
    $out = [System.Collections.Generic.List[string]]::new()
    $inFence = $false
    foreach ($line in Get-Content -LiteralPath $Path) {
        if ($line -match '^\s*```') { $inFence = -not $inFence; continue }
        if ($inFence) { $out.Add('    ' + $line); continue }
        if ($line -match '^#\s+(about_\S+)') { $out.Add('TOPIC'); $out.Add('    ' + $Matches[1]); continue }
        if ($line -match '^#{2,}\s+(.*)$') { $out.Add(''); $out.Add($Matches[1].ToUpperInvariant()); continue }
        $out.Add(($line.Trim() -eq '') ? '' : '    ' + $line)
    }
    $out -join [Environment]::NewLine
}

# ---- Main -------------------------------------------------------------------------------------

try {
    $files = @(Get-ChildItem -LiteralPath $Source -Filter '*.md' | Where-Object { $_.Name -notlike 'about_*' } | Sort-Object Name)
    if (-not $files.Count) { throw "No cmdlet help (*.md) in '$Source'." }
    $commands = @(foreach ($f in $files) { Read-CommandHelp $f.FullName })

    $dest = [System.IO.Path]::GetFullPath($Destination, (Get-Location).ProviderPath)
    $null = New-Item -ItemType Directory -Force -Path ([System.IO.Path]::GetDirectoryName($dest))
    $settings = [System.Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [System.Text.UTF8Encoding]::new($false) }
    $w = [System.Xml.XmlWriter]::Create($dest, $settings)
    try {
        $w.WriteStartDocument()
        $w.WriteStartElement('helpItems', 'http://msh')
        $w.WriteAttributeString('schema', 'maml')
        foreach ($prefix in 'maml', 'command', 'dev') { $w.WriteAttributeString('xmlns', $prefix, $null, $ns[$prefix]) }
        foreach ($help in $commands) { Write-Command $w $help }
        $w.WriteEndElement()
        $w.WriteEndDocument()
    }
    finally { $w.Dispose() }
    foreach ($about in Get-ChildItem -LiteralPath $Source -Filter 'about_*.md') {
        $target = Join-Path ([System.IO.Path]::GetDirectoryName($dest)) ($about.BaseName + '.help.txt')
        Set-Content -LiteralPath $target -Value (ConvertTo-AboutText $about.FullName) -Encoding utf8NoBOM
    }
    Write-Host "MAML help for $($commands.Count) commands: $dest"
}
catch {
    [Console]::Error.WriteLine("New-MamlHelp: $($_.Exception.Message)")
    exit 1
}
