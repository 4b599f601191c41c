CREATE TABLE t721 (id bigint PRIMARY KEY, name text NOT NULL);
