CREATE TABLE t719 (id bigint PRIMARY KEY, name text NOT NULL);
