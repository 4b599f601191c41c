CREATE TABLE t147 (id bigint PRIMARY KEY, name text NOT NULL);
