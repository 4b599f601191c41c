CREATE TABLE t680 (id bigint PRIMARY KEY, name text NOT NULL);
