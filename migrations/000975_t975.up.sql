CREATE TABLE t975 (id bigint PRIMARY KEY, name text NOT NULL);
