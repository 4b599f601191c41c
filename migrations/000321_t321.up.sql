CREATE TABLE t321 (id bigint PRIMARY KEY, name text NOT NULL);
