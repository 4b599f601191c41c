CREATE TABLE t385 (id bigint PRIMARY KEY, name text NOT NULL);
