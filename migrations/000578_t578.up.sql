CREATE TABLE t578 (id bigint PRIMARY KEY, name text NOT NULL);
