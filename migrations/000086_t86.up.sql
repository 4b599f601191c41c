CREATE TABLE t86 (id bigint PRIMARY KEY, name text NOT NULL);
